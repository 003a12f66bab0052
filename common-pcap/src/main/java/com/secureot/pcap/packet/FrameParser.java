package com.secureot.pcap.packet;

/**
 * Finds the IP header inside a captured frame without allocating. Frames with no readable IP
 * header (ARP, PROFINET, GOOSE, LLDP, runts, cut-short headers) give {@code -1}; they are still
 * stored, under the default prefix.
 */
public final class FrameParser {
    private static final int ETH_IPV4 = 0x0800;
    private static final int ETH_IPV6 = 0x86DD;
    private static final int ETH_VLAN = 0x8100;
    private static final int ETH_QINQ = 0x88A8;
    private static final int ETH_QINQ_OLD = 0x9100;
    private static final int MAX_VLAN_TAGS = 2;

    private FrameParser() {
    }

    /**
     * The offset, from {@code off}, of a complete IPv4 (IHL of 5 or more, 20 bytes present) or
     * IPv6 (40 bytes present) header, or -1.
     */
    public static int ipHeaderOffset(int linkType, byte[] b, int off, int len) {
        int pos;
        switch (linkType) {
            case LinkTypes.ETHERNET:
                return etherPayload(b, off, len, 12);
            case LinkTypes.LINUX_SLL:
                return etherPayload(b, off, len, 14);
            case LinkTypes.LINUX_SLL2:
                return etherPayload(b, off, len, 0, 20);
            case LinkTypes.RAW:
            case LinkTypes.DLT_RAW_12:
            case LinkTypes.DLT_RAW_14:
            case LinkTypes.IPV4:
            case LinkTypes.IPV6:
                pos = 0;
                break;
            case LinkTypes.NULL:
            case LinkTypes.LOOP:
                if (len < 4) {
                    return -1;
                }
                int familyBe = u16(b, off) << 16 | u16(b, off + 2);
                int familyLe = Integer.reverseBytes(familyBe);
                if (!isLoopbackIpFamily(familyBe) && !isLoopbackIpFamily(familyLe)) {
                    return -1;
                }
                pos = 4;
                break;
            default:
                return -1;
        }
        return validIp(b, off, len, pos) ? pos : -1;
    }

    // AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
    private static boolean isLoopbackIpFamily(int f) {
        return f == 2 || f == 24 || f == 28 || f == 30 || f == 10;
    }

    private static int etherPayload(byte[] b, int off, int len, int typeAt) {
        return etherPayload(b, off, len, typeAt, typeAt + 2);
    }

    private static int etherPayload(byte[] b, int off, int len, int typeAt, int payloadAt) {
        if (len < typeAt + 2) {
            return -1;
        }
        int type = u16(b, off + typeAt);
        int pos = payloadAt;
        for (int tags = 0; tags < MAX_VLAN_TAGS && (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD); tags++) {
            if (len < pos + 4) {
                return -1;
            }
            type = u16(b, off + pos + 2);
            pos += 4;
        }
        if (type != ETH_IPV4 && type != ETH_IPV6) {
            return -1;
        }
        return validIp(b, off, len, pos) && (b[off + pos] >> 4 & 0xF) == (type == ETH_IPV4 ? 4 : 6) ? pos : -1;
    }

    private static boolean validIp(byte[] b, int off, int len, int pos) {
        if (len <= pos) {
            return false;
        }
        int first = b[off + pos] & 0xFF;
        int version = first >> 4;
        if (version == 4) {
            return (first & 0xF) >= 5 && len >= pos + 20;
        }
        return version == 6 && len >= pos + 40;
    }

    /** True when the header at {@code ipOff} is IPv6 (else IPv4). */
    public static boolean isV6(byte[] b, int ipOff) {
        return (b[ipOff] & 0xF0) == 0x60;
    }

    public static long v4Src(byte[] b, int ipOff) {
        return u32(b, ipOff + 12);
    }

    public static long v4Dst(byte[] b, int ipOff) {
        return u32(b, ipOff + 16);
    }

    public static long u32(byte[] b, int i) {
        return ((b[i] & 0xFFL) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    public static long u64(byte[] b, int i) {
        return (u32(b, i) << 32) | u32(b, i + 4);
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }
}
