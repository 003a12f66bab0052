package com.secureot.pcap.config;

/**
 * {@code forward}: the collector that receives a copy of every packet (docs/wire-formats.md).
 * A key that only one protocol uses is an error under the other, so a setting never silently
 * does nothing.
 *
 * @param format {@code sot1} (default) or {@code raw} for UDP; TCP always carries PCAP-over-IP
 * @param connectTimeoutMillis TCP: how long one connection attempt may take
 * @param reconnectMinMillis TCP: first wait after a failed attempt or a lost connection
 * @param reconnectMaxMillis TCP: the doubling wait stops growing here
 * @param drainTimeoutSeconds at the end of a replay or on SIGTERM: how long queued packets may
 *                            take to reach the collector before they are counted as not forwarded
 * @param maxDatagramBytes UDP payload limit; a longer packet is cut, its orig_len kept
 * @param sendBufferBytes the socket's send buffer (SO_SNDBUF)
 * @param auth UDP SOT1: the key that authenticates every datagram, or none
 * @param tls TCP: mutual TLS to the collector, {@link ForwardTlsConfig#DISABLED} when off
 */
public record ForwardConfig(boolean enable, String host, int port, String protocol, String format,
                            int connectTimeoutMillis, int reconnectMinMillis, int reconnectMaxMillis,
                            int drainTimeoutSeconds, int maxDatagramBytes, int sendBufferBytes,
                            ForwardAuthConfig auth, ForwardTlsConfig tls) {

    public static final ForwardConfig DISABLED = new ForwardConfig(false, null, 0, "udp", "sot1", 0, 0, 0, 0, 0, 0,
            ForwardAuthConfig.NONE, ForwardTlsConfig.DISABLED);

    public boolean tcp() {
        return protocol.equals("tcp");
    }

    static ForwardConfig read(ConfigNode n) {
        boolean enable = n.bool("enable", false);
        String host = enable ? n.requiredString("host") : n.string("host", null);
        if (host != null && host.isBlank()) {
            n.error("host", "must not be empty");
            host = null;
        } else if (host != null && !HostNames.valid(host)) {
            n.error("host", ConfigNode.quote(host) + " is not an IP address or name");
            host = null; // not looked up: the daemon resolves only a well-formed host
        }
        int port = (int) (enable && !n.has("port") ? requiredPort(n) : n.integer("port", 0, 1, 65535));
        String protocol = n.choice("protocol", "udp", "udp", "tcp");
        boolean tcp = protocol.equals("tcp");
        for (String key : tcp ? new String[] {"format", "max_datagram_bytes", "auth"}
                : new String[] {"connect_timeout_ms", "reconnect_min_ms", "reconnect_max_ms", "tls"}) {
            if (n.has(key)) {
                n.error(key, "is for protocol " + (tcp ? "udp" : "tcp") + " only (forward.protocol is "
                        + protocol + ")");
            }
        }
        String format = n.choice("format", "sot1", "sot1", "raw");
        int connect = (int) n.integer("connect_timeout_ms", 3000, 100, 120_000);
        int rmin = (int) n.integer("reconnect_min_ms", 500, 10, 600_000);
        int rmax = (int) n.integer("reconnect_max_ms", 30_000, 10, 3_600_000);
        if (rmax < rmin) {
            n.error("reconnect_max_ms", rmax + " is below reconnect_min_ms (" + rmin + ")");
        }
        int drain = (int) n.integer("drain_timeout_seconds", 10, 0, 3600);
        int dgram = (int) n.integer("max_datagram_bytes", 65507, 64, 65507);
        int sndbuf = (int) n.integer("send_buffer_kb", 4096, 16, 1 << 20) * 1024;
        boolean authSet = n.has("auth");
        if (authSet && format.equals("raw")) {
            n.error("auth", "needs format sot1 (a raw frame has no room for a key id or tag)");
        }
        ForwardAuthConfig auth = ForwardAuthConfig.read(n.child("auth"), authSet && !tcp && !format.equals("raw"));
        ForwardTlsConfig tls = tcp && n.has("tls") ? ForwardTlsConfig.read(n.child("tls"), host)
                : ForwardTlsConfig.DISABLED;
        n.finish();
        return new ForwardConfig(enable, host, port, protocol, format, connect, rmin, rmax, drain, dgram, sndbuf,
                auth, tls);
    }

    private static long requiredPort(ConfigNode n) {
        n.error("port", "is required when forward.enable is true");
        return 0;
    }
}
