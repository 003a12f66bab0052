package com.secureot.pcap.capture;

import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/** BPF expressions: checked without an interface, and combined with the forwarder's exclusion. */
public final class BpfFilters {
    private BpfFilters() {
    }

    /** Compiles {@code expression} for Ethernet; returns libpcap's error text, or null when valid. */
    public static String problem(String expression, int snaplen) {
        PcapLibrary.configure();
        try {
            // PCAP_NETMASK_UNKNOWN: only "ip broadcast" needs the real netmask.
            java.net.Inet4Address unknown = (java.net.Inet4Address) java.net.InetAddress.getByAddress(
                    new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255});
            BpfProgram p = Pcaps.compileFilter(snaplen, DataLinkType.EN10MB, expression,
                    BpfProgram.BpfCompileMode.OPTIMIZE, unknown);
            p.free();
            return null;
        } catch (PcapNativeException e) {
            return e.getMessage();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
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
