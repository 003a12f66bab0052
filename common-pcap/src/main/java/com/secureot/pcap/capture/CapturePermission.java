package com.secureot.pcap.capture;

/**
 * What a capture refused for lack of privilege says, the same on every capture path: which
 * capabilities are missing and the lines that grant them. libpcap's own words alone
 * ({@code socket: Operation not permitted}) leave the operator guessing.
 */
public final class CapturePermission {
    /** {@code pcap_activate}'s status when the process may not open a packet socket (pcap.h). */
    public static final int PCAP_ERROR_PERM_DENIED = -8;

    private CapturePermission() {
    }

    /**
     * One line: the interface, the reason as the capture path reported it ({@code why}), the
     * capabilities and how to grant them.
     */
    public static String denied(String interfaceName, String why) {
        String java = ProcessHandle.current().info().command().orElse("/usr/lib/jvm/<jdk>/bin/java");
        return "interface \"" + interfaceName + "\" cannot be opened: " + why
                + ": capturing needs CAP_NET_RAW and CAP_NET_ADMIN; run it as root, through its systemd unit "
                + "(the packaged sniffer-span-pcap.service and sniffer-span-forwarder.service grant them: "
                + "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN), or grant them to this java once: "
                + "sudo setcap cap_net_raw,cap_net_admin=eip " + java;
    }
}
