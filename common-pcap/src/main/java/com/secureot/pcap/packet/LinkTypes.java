package com.secureot.pcap.packet;

/** LINKTYPE_ values as written in pcap file headers (tcpdump.org/linktypes.html). */
public final class LinkTypes {
    public static final int NULL = 0;          // BSD loopback, 4-byte family in host byte order
    public static final int ETHERNET = 1;
    public static final int DLT_RAW_12 = 12;   // raw IP, as some systems write DLT_RAW
    public static final int DLT_RAW_14 = 14;   // raw IP, OpenBSD's DLT_RAW
    public static final int RAW = 101;
    public static final int LOOP = 108;        // OpenBSD loopback, family in network byte order
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    private LinkTypes() {
    }

    /**
     * The link types Wireshark reads (tshark, capinfos), from tcpdump.org's registry: a file of
     * any other, a reserved value such as 65535 or garbage such as 0xFFFFFFFF, is refused by
     * them. Listed by trying each value 0-300 with capinfos 4.0 (Debian 12); the registry's few
     * newer values fall outside until a reader knows them.
     */
    private static final java.util.BitSet KNOWN = known(
            0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 19, 32, 50, 51, 99, 100, 101, 104, 105, 106, 107,
            108, 109, 112, 113, 114, 117, 118, 119, 121, 122, 123, 127, 128, 129, 130, 131, 133, 135, 136, 137,
            138, 139, 140, 141, 142, 143, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160,
            161, 162, 163, 165, 167, 169, 170, 171, 172, 173, 178, 179, 180, 181, 183, 184, 186, 187, 188, 189,
            190, 192, 195, 199, 200, 201, 202, 203, 204, 210, 211, 212, 213, 214, 215, 220, 224, 225, 226, 227,
            228, 229, 230, 231, 235, 236, 237, 239, 240, 241, 242, 243, 245, 248, 249, 250, 251, 252, 253, 254,
            255, 256, 258, 259, 260, 264, 266, 268, 270, 271, 272, 273, 274, 275, 276, 279, 280, 283, 287, 288,
            290, 292, 293, 294, 295);

    private static java.util.BitSet known(int... values) {
        java.util.BitSet b = new java.util.BitSet();
        for (int v : values) {
            b.set(v);
        }
        return b;
    }

    /**
     * Whether a pcap header's link type field (as an unsigned 32-bit value) names a link type
     * files can be read with: its low 16 bits a known LINKTYPE, bits 16-27 (reserved) clear; the
     * top four bits may carry the FCS length, as the format allows.
     */
    public static boolean isKnown(long field) {
        return field >= 0 && field <= 0xFFFFFFFFL && (field & 0x0FFF0000L) == 0 && KNOWN.get((int) (field & 0xFFFF));
    }

    /**
     * The LINKTYPE to write in a file for a DLT that libpcap reports for a live handle: libpcap
     * itself maps DLT_RAW (12 or 14) to LINKTYPE_RAW (101) when it writes files.
     */
    public static int fromDlt(int dlt) {
        return dlt == DLT_RAW_12 || dlt == DLT_RAW_14 ? RAW : dlt;
    }
}
