package com.secureot.pcap.route;

import java.util.Optional;

/**
 * An IPv4 or IPv6 network ({@code 10.0.0.0/24}, {@code fd00::/8}) or a single address. Addresses
 * are kept as big-endian longs so that matching a packet needs no allocation: IPv4 in the low 32
 * bits of {@code lo}, IPv6 as {@code hi:lo}.
 */
public final class IpPrefix {
    private final boolean v6;
    private final long hi;
    private final long lo;
    private final long maskHi;
    private final long maskLo;
    private final int length;
    private final String text;

    private IpPrefix(boolean v6, long hi, long lo, int length, String text) {
        this.v6 = v6;
        this.length = length;
        this.text = text;
        if (v6) {
            maskHi = length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
            maskLo = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
        } else {
            maskHi = 0;
            maskLo = length == 0 ? 0 : (0xFFFFFFFFL << (32 - length)) & 0xFFFFFFFFL;
        }
        this.hi = hi & maskHi;
        this.lo = lo & maskLo;
    }

    /** Parses {@code addr} or {@code addr/len}; empty when it is neither. No name lookups. */
    public static Optional<IpPrefix> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        String t = s.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = IpAddresses.parseLiteral(addr);
        if (bytes == null) {
            return Optional.empty();
        }
        int max = bytes.length * 8;
        int len = max;
        if (slash >= 0) {
            String l = t.substring(slash + 1);
            if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            len = Integer.parseInt(l);
            if (len > max) {
                return Optional.empty();
            }
        }
        if (bytes.length == 4) {
            return Optional.of(new IpPrefix(false, 0, IpAddresses.v4(bytes, 0), len, t));
        }
        return Optional.of(new IpPrefix(true, IpAddresses.be64(bytes, 0), IpAddresses.be64(bytes, 8), len, t));
    }

    public boolean matchesV4(long addr) {
        return !v6 && (addr & maskLo) == lo;
    }

    public boolean matchesV6(long addrHi, long addrLo) {
        return v6 && (addrHi & maskHi) == hi && (addrLo & maskLo) == lo;
    }

    public boolean isV6() {
        return v6;
    }

    public int length() {
        return length;
    }

    @Override
    public String toString() {
        return text;
    }
}
