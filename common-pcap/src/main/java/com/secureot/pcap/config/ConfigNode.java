package com.secureot.pcap.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A YAML mapping read key by key. Each read records the key as known, so that {@link #finish()}
 * can report the keys nobody asked for: a typo must not be silently ignored. Problems are
 * collected in a shared list, so one run reports every error of the file, each naming its path.
 * The root also keeps the path of every key any node was asked for ({@link #askedPaths()}), so a
 * test can check that each key a daemon accepts is documented.
 */
public final class ConfigNode {
    private static final Pattern INDEX = Pattern.compile("\\[\\d+]");
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> known = new LinkedHashSet<>();
    private final List<String> errors;
    /** Shared by every node of one document: the key paths asked for, list indexes as {@code []}. */
    private final Set<String> asked;

    private ConfigNode(String path, Map<String, Object> values, List<String> errors, Set<String> asked) {
        this.path = path;
        this.values = values;
        this.errors = errors;
        this.asked = asked;
    }

    /** The document root; {@code errors} receives every problem found below it. */
    public static ConfigNode root(Map<String, Object> values, List<String> errors) {
        // YAML allows keys that are not text (`1: x`); the parsed map's type does not say so.
        ConfigNode unchecked = new ConfigNode("", Collections.emptyMap(), errors, new LinkedHashSet<>());
        return new ConfigNode("", unchecked.stringKeys((Map<?, ?>) values, "top level"), errors,
                new LinkedHashSet<>());
    }

    /**
     * Every key path read so far anywhere in this document, whether it was set or not, in the
     * order first asked, with list indexes written {@code []}: {@code routing_rules[].ip}.
     */
    public Set<String> askedPaths() {
        return Collections.unmodifiableSet(asked);
    }

    /** The problems found so far in this document (the list given to {@link #root}). */
    public List<String> errors() {
        return Collections.unmodifiableList(errors);
    }

    /**
     * Throws every problem found in this document so far, all at once; returns when there is none.
     * Called once, after the daemon's own checks (BPF filter, names, ...) added theirs, so that one
     * run reports every error of the file.
     */
    public void throwIfErrors() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public String path() {
        return path;
    }

    public void error(String key, String message) {
        errors.add(path(key) + ": " + message);
    }

    /** Adds a line that already names its YAML path (a check made outside this tree, e.g. loading TLS files). */
    public void addError(String line) {
        errors.add(line);
    }

    public boolean has(String key) {
        know(key);
        return values.get(key) != null;
    }

    private Object raw(String key) {
        know(key);
        return values.get(key);
    }

    private void know(String key) {
        if (known.add(key)) {
            asked.add(INDEX.matcher(path(key)).replaceAll("[]"));
        }
    }

    /** A string, or {@code fallback} when absent or null. Numbers and booleans are not strings. */
    public String string(String key, String fallback) {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s) {
            return s;
        }
        error(key, quote(v) + " is not a string");
        return fallback;
    }

    public String requiredString(String key) {
        Object v = raw(key);
        if (v == null) {
            error(key, "is required");
            return null;
        }
        return string(key, null);
    }

    public boolean bool(String key, boolean fallback) {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        error(key, quote(v) + " is not true or false");
        return fallback;
    }

    /** An integer within [min, max], or {@code fallback} when absent. */
    public long integer(String key, long fallback, long min, long max) {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        long n;
        if (v instanceof Integer || v instanceof Long) {
            n = ((Number) v).longValue();
        } else {
            error(key, quote(v) + " is not an integer");
            return fallback;
        }
        if (n < min || n > max) {
            error(key, n + " is out of range (expected " + min + ".." + max + ")");
            return fallback;
        }
        return n;
    }

    /** A number (integer or decimal) within [min, max], or {@code fallback} when absent. */
    public double number(String key, double fallback, double min, double max) {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number num) || v instanceof java.math.BigInteger) {
            error(key, quote(v) + " is not a number");
            return fallback;
        }
        double d = num.doubleValue();
        if (Double.isNaN(d) || d < min || d > max) {
            error(key, v + " is out of range (expected " + trim(min) + ".." + trim(max) + ")");
            return fallback;
        }
        return d;
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    public String choice(String key, String fallback, String... choices) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        for (String c : choices) {
            if (c.equalsIgnoreCase(v.trim())) {
                return c;
            }
        }
        error(key, quote(v) + " is not one of " + String.join(", ", choices));
        return fallback;
    }

    /** A nested mapping; an absent or null key reads as an empty mapping so defaults apply. */
    public ConfigNode child(String key) {
        Object v = raw(key);
        if (v == null) {
            return new ConfigNode(path(key), Collections.emptyMap(), errors, asked);
        }
        if (v instanceof Map<?, ?> m) {
            return new ConfigNode(path(key), stringKeys(m, path(key)), errors, asked);
        }
        error(key, quote(v) + " is not a mapping");
        return new ConfigNode(path(key), Collections.emptyMap(), errors, asked);
    }

    /** The parsed value at {@code key} as YAML gave it (String, Number, Boolean, List, Map), or null. */
    public Object value(String key) {
        return raw(key);
    }

    /**
     * A mapping whose keys belong to another program (Kafka client properties): its entries as
     * they are, text keys only. Only the mapping's own path counts as asked; its keys are the
     * caller's to check. Absent reads as empty.
     */
    public Map<String, Object> opaque(String key) {
        Object v = raw(key);
        if (v == null) {
            return Map.of();
        }
        if (v instanceof Map<?, ?> m) {
            return stringKeys(m, path(key));
        }
        error(key, quote(v) + " is not a mapping");
        return Map.of();
    }

    /** A list of mappings ({@code routing_rules[0]}, ...); absent reads as empty. */
    public List<ConfigNode> children(String key) {
        List<ConfigNode> out = new ArrayList<>();
        List<?> list = list(key);
        for (int i = 0; i < list.size(); i++) {
            String p = path(key) + "[" + i + "]";
            if (list.get(i) instanceof Map<?, ?> m) {
                out.add(new ConfigNode(p, stringKeys(m, p), errors, asked));
            } else {
                errors.add(p + ": " + quote(list.get(i)) + " is not a mapping");
            }
        }
        return out;
    }

    /** A list of strings; absent reads as empty. */
    public List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        List<?> list = list(key);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof String s) {
                out.add(s);
            } else {
                errors.add(path(key) + "[" + i + "]: " + quote(list.get(i)) + " is not a string");
            }
        }
        return out;
    }

    /** The YAML list at {@code key}; empty when absent, or (with an error) when not a list. */
    private List<?> list(String key) {
        Object v = raw(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            error(key, quote(v) + " is not a list");
            return List.of();
        }
        return list;
    }

    /** Reports every key of this mapping that no reader asked for. */
    public void finish() {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                errors.add(path(k) + ": unknown key");
            }
        }
    }

    private Map<String, Object> stringKeys(Map<?, ?> m, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String s) {
                out.put(s, e.getValue());
            } else {
                errors.add(where + ": key " + quote(e.getKey()) + " is not a string");
            }
        }
        return out;
    }

    public static String quote(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "\"" + s.replace("\"", "\\\"") + "\"";
        }
        if (v instanceof Map || v instanceof List) {
            return v instanceof Map ? "a mapping" : "a list";
        }
        return String.valueOf(v);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
