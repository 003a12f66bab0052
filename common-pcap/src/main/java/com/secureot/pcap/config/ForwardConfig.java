package com.secureot.pcap.config;

/**
 * {@code forward}: the collector that receives a copy of every packet.
 *
 * @param format {@code sot1} (default) or {@code raw} for UDP; TCP always carries PCAP-over-IP
 * @param queuePackets packets waiting for the network before forwarding drops (and counts) them
 * @param maxDatagramBytes UDP payload limit; a longer packet is cut, its orig_len kept
 */
public record ForwardConfig(boolean enable, String host, int port, String protocol, String format,
                            int queuePackets, int reconnectMinMillis, int reconnectMaxMillis,
                            int drainTimeoutSeconds, int maxDatagramBytes, int sendBufferBytes) {

    public static final ForwardConfig DISABLED =
            new ForwardConfig(false, null, 0, "udp", "sot1", 0, 0, 0, 0, 0, 0);

    public boolean tcp() {
        return protocol.equals("tcp");
    }

    static ForwardConfig read(ConfigNode n) {
        boolean enable = n.bool("enable", false);
        String host = enable ? n.requiredString("host") : n.string("host", null);
        if (host != null && host.isBlank()) {
            n.error("host", "must not be empty");
        }
        int port = (int) (enable && !n.has("port") ? requiredPort(n) : n.integer("port", 0, 1, 65535));
        String protocol = n.choice("protocol", "udp", "udp", "tcp");
        String format = n.choice("format", "sot1", "sot1", "raw");
        if (protocol.equals("tcp") && format.equals("raw")) {
            n.error("format", "\"raw\" is for protocol udp only; TCP always carries PCAP-over-IP");
        }
        int queue = (int) n.integer("queue_packets", 65536, 16, 1 << 24);
        int rmin = (int) n.integer("reconnect_min_ms", 500, 10, 600_000);
        int rmax = (int) n.integer("reconnect_max_ms", 30_000, 10, 3_600_000);
        if (rmax < rmin) {
            n.error("reconnect_max_ms", rmax + " is below reconnect_min_ms (" + rmin + ")");
        }
        int drain = (int) n.integer("drain_timeout_seconds", 10, 0, 3600);
        int dgram = (int) n.integer("max_datagram_bytes", 65507, 64, 65507);
        int sndbuf = (int) n.integer("send_buffer_kb", 4096, 16, 1 << 20) * 1024;
        n.finish();
        return new ForwardConfig(enable, host, port, protocol, format, queue, rmin, rmax, drain, dgram, sndbuf);
    }

    private static long requiredPort(ConfigNode n) {
        n.error("port", "is required when forward.enable is true");
        return 0;
    }
}
