package com.secureot.pcap.capture;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/** BPF expressions: checked without an interface, and combined with the forwarder's exclusion. */
public final class BpfFilters {
    private static final int DLT_EN10MB = 1;
    private static final int PCAP_NETMASK_UNKNOWN = 0xffffffff;

    private BpfFilters() {
    }

    /**
     * Compiles {@code expression} for Ethernet; returns libpcap's error text ({@code pcap_geterr},
     * e.g. "can't parse filter expression: syntax error"), or null when valid. Called through JNA
     * directly: pcap4j's {@code Pcaps.compileFilter} drops libpcap's reason.
     */
    public static String problem(String expression, int snaplen) {
        PcapLibrary.configure();
        try {
            NativeLibrary pcap = NativeLibrary.getInstance(System.getProperty(PcapLibrary.PROPERTY, "pcap"));
            Pointer dead = (Pointer) pcap.getFunction("pcap_open_dead").invoke(Pointer.class,
                    new Object[] {DLT_EN10MB, snaplen});
            if (dead == null) {
                return "libpcap cannot check it (pcap_open_dead failed)";
            }
            // struct bpf_program { u_int len; insn *insns; }, freed by the GC (JNA 5.3 Memory is not Closeable).
            Memory program = new Memory(16);
            program.clear();
            try {
                // PCAP_NETMASK_UNKNOWN: only "ip broadcast" needs the real netmask.
                int rc = pcap.getFunction("pcap_compile").invokeInt(
                        new Object[] {dead, program, expression, 1, PCAP_NETMASK_UNKNOWN});
                if (rc != 0) {
                    return pcap.getFunction("pcap_geterr").invokeString(new Object[] {dead}, false);
                }
                pcap.getFunction("pcap_freecode").invokeVoid(new Object[] {program});
                return null;
            } finally {
                pcap.getFunction("pcap_close").invokeVoid(new Object[] {dead});
            }
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return "libpcap cannot be loaded to check it (install libpcap0.8): " + e.getMessage();
        }
    }

    /** {@code (user) and not (exclusion)}, or just one of them when the other is null. */
    public static String and(String user, String exclusion) {
        if (exclusion == null) {
            return user;
        }
        String not = "not (" + exclusion + ")";
        return user == null ? not : "(" + user + ") and " + not;
    }
}
