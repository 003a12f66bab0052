package com.secureot.pcap.route;

import java.util.Locale;

/**
 * A sender name to match (a TLS client certificate's name, a sensor id): the name itself, or
 * {@code *.suffix} for every name ending in {@code .suffix} (any number of labels before it, as
 * {@code tls.allowed_clients} reads it). Case-insensitive, as DNS names are.
 */
public final class NamePattern {
    private final String pattern;
    /** The suffix of a {@code *.suffix} pattern, lower case, with its dot; null for an exact name. */
    private final String suffix;
    private final String exact;

    private NamePattern(String pattern) {
        this.pattern = pattern;
        String lower = pattern.toLowerCase(Locale.ROOT);
        this.suffix = lower.startsWith("*.") ? lower.substring(1) : null;
        this.exact = suffix == null ? lower : null;
    }

    /** Why {@code p} is not a pattern, or null when it is. */
    public static String problem(String p) {
        if (p.isBlank() || p.indexOf('*', p.startsWith("*.") ? 1 : 0) >= 0 || p.equals("*.")
                || p.chars().anyMatch(Character::isWhitespace)) {
            return "is not a name or a \"*.suffix\" pattern (examples: \"probe-a.site1\", \"*.site2\")";
        }
        return null;
    }

    /** @throws IllegalArgumentException when {@link #problem} says why */
    public static NamePattern of(String p) {
        String problem = problem(p);
        if (problem != null) {
            throw new IllegalArgumentException("\"" + p + "\" " + problem);
        }
        return new NamePattern(p);
    }

    public boolean matches(String name) {
        if (name == null) {
            return false;
        }
        if (exact != null) {
            return exact.equalsIgnoreCase(name);
        }
        return name.length() > suffix.length()
                && name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length());
    }

    @Override
    public String toString() {
        return pattern;
    }
}
