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
 * @param sensorId kafka: the record key and the collector's {@code {sender_name}}; the host name by default
 * @param kafka the brokers, topic and producer properties; null unless the protocol is kafka
 */
public record ForwardConfig(boolean enable, String host, int port, String protocol, String format,
                            int connectTimeoutMillis, int reconnectMinMillis, int reconnectMaxMillis,
                            int drainTimeoutSeconds, int maxDatagramBytes, int sendBufferBytes,
                            String sensorId, KafkaClientConfig kafka) {

    public static final ForwardConfig DISABLED =
            new ForwardConfig(false, null, 0, "udp", "sot1", 0, 0, 0, 0, 0, 0, null, null);

    public boolean tcp() {
        return protocol.equals("tcp");
    }

    public boolean usesKafka() {
        return protocol.equals("kafka");
    }

    /** The keys one or two protocols use: the key, then those protocols. */
    private static final String[][] KEY_PROTOCOLS = {
        {"format", "udp"}, {"max_datagram_bytes", "udp"},
        {"connect_timeout_ms", "tcp"}, {"reconnect_min_ms", "tcp"}, {"reconnect_max_ms", "tcp"},
        {"send_buffer_kb", "udp", "tcp"}, {"sensor_id", "kafka"}, {"kafka", "kafka"}};

    static ForwardConfig read(ConfigNode n) {
        boolean enable = n.bool("enable", false);
        String protocol = n.choice("protocol", "udp", "udp", "tcp", "kafka");
        boolean tcp = protocol.equals("tcp");
        boolean kafka = protocol.equals("kafka");
        String host = null;
        int port = 0;
        if (kafka) {
            for (String key : new String[] {"host", "port"}) {
                if (n.has(key)) {
                    n.error(key, "is for protocols udp and tcp only (protocol kafka uses forward.kafka.bootstrap_servers)");
                }
            }
        } else {
            host = enable ? n.requiredString("host") : n.string("host", null);
            if (host != null && host.isBlank()) {
                n.error("host", "must not be empty");
            }
            port = (int) (enable && !n.has("port") ? requiredPort(n) : n.integer("port", 0, 1, 65535));
        }
        for (String[] use : KEY_PROTOCOLS) {
            if (!java.util.Arrays.asList(use).subList(1, use.length).contains(protocol) && n.has(use[0])) {
                String only = use.length == 2 ? "protocol " + use[1] : "protocols " + use[1] + " and " + use[2];
                n.error(use[0], "is for " + only + " only (forward.protocol is " + protocol + ")");
            }
        }
        String sensorId = null;
        KafkaClientConfig kafkaCfg = null;
        if (kafka) {
            sensorId = n.string("sensor_id", null);
            if (sensorId == null) {
                sensorId = HostName.get();
                String problem = com.secureot.pcap.wire.SotkRecord.sensorIdProblem(sensorId);
                if (problem != null) {
                    n.error("sensor_id", "not set, and the host name " + problem + "; set forward.sensor_id");
                }
            } else {
                String problem = com.secureot.pcap.wire.SotkRecord.sensorIdProblem(sensorId);
                if (problem != null) {
                    n.error("sensor_id", problem);
                }
            }
            ConfigNode k = n.child("kafka");
            kafkaCfg = enable || n.has("kafka") ? KafkaClientConfig.read(k) : null;
            k.finish();
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
        n.finish();
        return new ForwardConfig(enable, host, port, protocol, format, connect, rmin, rmax, drain, dgram, sndbuf,
                sensorId, kafkaCfg);
    }

    private static long requiredPort(ConfigNode n) {
        n.error("port", "is required when forward.enable is true");
        return 0;
    }
}
