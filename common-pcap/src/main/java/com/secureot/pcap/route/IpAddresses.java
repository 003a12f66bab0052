package com.secureot.pcap.route;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Address parsing and rendering without name lookups. */
public final class IpAddresses {
    private IpAddresses() {
    }

    /** The bytes of an IPv4 or IPv6 literal, or null when {@code s} is not one (never resolves a name). */
    public static byte[] parseLiteral(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            if (!s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return null;
            }
            try {
                // With only hex digits, ':' and '.', InetAddress parses the literal and never looks it up.
                InetAddress a = InetAddress.getByName(s);
                return a instanceof Inet6Address ? a.getAddress() : toMapped(a.getAddress());
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] toMapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    public static long v4(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFFL) << 16) | ((b[off + 2] & 0xFFL) << 8) | (b[off + 3] & 0xFFL);
    }

    public static long be64(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFFL);
        }
        return v;
    }

    /** {@code 192.168.1.10}. */
    public static String renderV4(long addr) {
        // A builder rather than +: string concatenation of ints goes through invokedynamic method
        // handles, which ran interpreted for the first thousands of addresses (5 % of the
        // store threads' own time in a 10 000-host replay, async-profiler).
        return new StringBuilder(15).append((addr >>> 24) & 0xFF).append('.').append((addr >>> 16) & 0xFF).append('.')
                .append((addr >>> 8) & 0xFF).append('.').append(addr & 0xFF).toString();
    }

    /**
     * The compressed IPv6 form (RFC 5952) with {@code :} written as {@code -} so that it is safe
     * in a file name on every file system: {@code fd00::10} becomes {@code fd00--10}. An address
     * whose text starts with {@code ::} gets its first zero group written out ({@code ::1} becomes
     * {@code 0--1}, {@code ::} becomes {@code 0--0}, still valid IPv6 text), so that no name starts
     * with {@code -}: {@code capinfos *} and other tools would take such a file for an option.
     */
    public static String renderV6ForFileName(long hi, long lo) {
        String text = renderV6(hi, lo);
        if (text.startsWith("::")) {
            text = text.length() == 2 ? "0::0" : "0" + text;
        }
        return text.replace(':', '-');
    }

    /** RFC 5952 text: lower case, longest run of two or more zero groups shown as {@code ::}. */
    public static String renderV6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xFFFF);
            g[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xFFFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** File-name rendering of any address: IPv4 dotted, IPv6 per {@link #renderV6ForFileName}. */
    public static String renderForFileName(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return renderV4(v4(b, 0));
        }
        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d: name it by its IPv4 address.
        if (isV4Mapped(b)) {
            return renderV4(v4(b, 12));
        }
        return renderV6ForFileName(be64(b, 0), be64(b, 8));
    }

    public static boolean isV4Mapped(byte[] b) {
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }
}
