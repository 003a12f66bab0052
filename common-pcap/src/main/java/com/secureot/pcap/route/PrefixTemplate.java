package com.secureot.pcap.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An output prefix such as {@code traffic_plc} or {@code host_{src_ip}}. Placeholders are
 * replaced by the rendered address; everything else is literal text.
 */
public final class PrefixTemplate {
    public static final String SRC_IP = "src_ip";
    public static final String DST_IP = "dst_ip";
    public static final String SENDER_IP = "sender_ip";
    /** The sender's name: its TLS certificate name (its address when it has none), or its sensor id (Kafka). */
    public static final String SENDER_NAME = "sender_name";

    private final String text;
    private final boolean usesSrc;
    private final boolean usesDst;
    private final boolean usesSender;
    private static final int LITERAL = 0;
    private static final int SRC = 1;
    private static final int DST = 2;
    private static final int SENDER = 3;
    private static final int NAME = 4;
    /** What each part is, and the text of the literal ones. */
    private final int[] kinds;
    private final String[] literals;

    private PrefixTemplate(String text) {
        this.text = text;
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            if (open < 0) {
                parts.add(text.substring(i));
                break;
            }
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            int close = text.indexOf('}', open);
            parts.add(text.substring(open, close + 1));
            i = close + 1;
        }
        kinds = new int[parts.size()];
        literals = new String[parts.size()];
        for (int k = 0; k < parts.size(); k++) {
            String part = parts.get(k);
            kinds[k] = part.equals("{" + SRC_IP + "}") ? SRC : part.equals("{" + DST_IP + "}") ? DST
                    : part.equals("{" + SENDER_IP + "}") ? SENDER : part.equals("{" + SENDER_NAME + "}") ? NAME
                    : LITERAL;
            literals[k] = kinds[k] == LITERAL ? part : null;
        }
        usesSrc = uses(SRC);
        usesDst = uses(DST);
        usesSender = uses(SENDER) || uses(NAME);
    }

    private boolean uses(int kind) {
        for (int k : kinds) {
            if (k == kind) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a prefix from the configuration: it must stay inside the output folder and use only
     * the placeholders of this daemon. Returns an error message, or null when valid.
     */
    public static String problem(String prefix, Set<String> allowed) {
        if (prefix.isBlank()) {
            return "must not be empty";
        }
        if (prefix.contains("/") || prefix.contains("\\") || prefix.contains("..")) {
            return "\"" + prefix + "\" could escape the output folder (no '/', '\\' or '..')";
        }
        if (prefix.startsWith(".") || prefix.startsWith("-")) {
            return "\"" + prefix + "\" must not start with '.' or '-'";
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (Character.isISOControl(prefix.charAt(k))) {
                return "\"" + prefix.replaceAll("\\p{Cntrl}", "?") + "\" contains a control character";
            }
        }
        int i = 0;
        while (true) {
            int open = prefix.indexOf('{', i);
            int stray = prefix.indexOf('}', i);
            if (open < 0) {
                return stray < 0 ? null : "\"" + prefix + "\" has an unmatched '}'";
            }
            if (stray >= 0 && stray < open) {
                return "\"" + prefix + "\" has an unmatched '}'";
            }
            int close = prefix.indexOf('}', open);
            if (close < 0) {
                return "\"" + prefix + "\" has an unmatched '{'";
            }
            String name = prefix.substring(open + 1, close);
            if (!allowed.contains(name)) {
                return "\"" + prefix + "\" uses unknown placeholder {" + name + "} (allowed: "
                        + String.join(", ", allowed.stream().sorted().map(a -> "{" + a + "}").toList()) + ")";
            }
            i = close + 1;
        }
    }

    /** The longest text an address renders to in a file name ({@code ffff-ffff-...}, 39 characters). */
    private static final int MAX_ADDRESS_CHARS = 39;

    /**
     * The most bytes (UTF-8) a rendering can take: the literal text, and the longest address for
     * each placeholder. A file name is this plus the store's suffix.
     */
    public int maxRenderedBytes() {
        int n = 0;
        for (int i = 0; i < kinds.length; i++) {
            n += kinds[i] == LITERAL ? literals[i].getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                    : MAX_ADDRESS_CHARS;
        }
        return n;
    }

    /** Builds a template from a prefix already checked with {@link #problem}. */
    public static PrefixTemplate of(String prefix) {
        return new PrefixTemplate(prefix);
    }

    public boolean isConstant() {
        return !usesSrc && !usesDst && !usesSender;
    }

    public boolean usesSrc() {
        return usesSrc;
    }

    public boolean usesDst() {
        return usesDst;
    }

    public boolean usesSender() {
        return usesSender;
    }

    /** The prefix with each placeholder replaced by its already rendered value. */
    public String render(String src, String dst, String sender) {
        return render(src, dst, sender, sender);
    }

    /** As {@link #render(String, String, String)}, with the sender's name for {@code {sender_name}}. */
    public String render(String src, String dst, String sender, String senderName) {
        if (isConstant()) {
            return text;
        }
        // Runs once per new IPv4 address (10 000 times with one file per host), and for every
        // IPv6 and non-IP frame: the parts were classified once, so this is a plain loop.
        StringBuilder sb = new StringBuilder(text.length() + 32);
        for (int i = 0; i < kinds.length; i++) {
            sb.append(switch (kinds[i]) {
                case SRC -> src;
                case DST -> dst;
                case SENDER -> sender;
                case NAME -> senderName;
                default -> literals[i];
            });
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
