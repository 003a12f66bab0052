package com.secureot.pcap.io;

/** Constants of the classic pcap file format (tcpdump.org/manpages/pcap-savefile.5.html). */
public final class PcapFormat {
    public static final int MAGIC_MICRO = 0xA1B2C3D4;
    public static final int MAGIC_NANO = 0xA1B23C4D;
    public static final int GLOBAL_HEADER_BYTES = 24;
    public static final int RECORD_HEADER_BYTES = 16;
    public static final short VERSION_MAJOR = 2;
    public static final short VERSION_MINOR = 4;

    private PcapFormat() {
    }
}
