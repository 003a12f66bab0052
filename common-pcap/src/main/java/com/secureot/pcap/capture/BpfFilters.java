package com.secureot.pcap.capture;

import com.secureot.pcap.packet.LinkTypes;


/** BPF expressions: checked without an interface, and combined with the forwarder's exclusion. */
public final class BpfFilters {
    private BpfFilters() {
    }

    /** Compiles {@code expression} for Ethernet; returns libpcap's error text, or null when valid. */
    public static String problem(String expression, int snaplen) {
        try {
            return BpfPrograms.problem(expression, LinkTypes.ETHERNET, snaplen);
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
