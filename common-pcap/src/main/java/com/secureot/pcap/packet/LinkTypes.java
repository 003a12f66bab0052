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
     * The LINKTYPE to write in a file for a DLT that libpcap reports for a live handle: libpcap
     * itself maps DLT_RAW (12 or 14) to LINKTYPE_RAW (101) when it writes files.
     */
    public static int fromDlt(int dlt) {
        return dlt == DLT_RAW_12 || dlt == DLT_RAW_14 ? RAW : dlt;
    }
}
