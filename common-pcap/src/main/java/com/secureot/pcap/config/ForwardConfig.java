package com.secureot.pcap.config;

/**
 * {@code forward}: the collector that receives a copy of every packet (docs/wire-formats.md).
 * A key that only one protocol uses is an error under the other, so a setting never silently
 * does nothing.
 *
 * @param format UDP: {@code sot1} (default) or {@code raw}; TCP: {@code pcap} (default,
 *               PCAP-over-IP) or {@code sot2} (acknowledged, spooled)
 * @param connectTimeoutMillis TCP: how long one connection attempt may take
 * @param reconnectMinMillis TCP: first wait after a failed attempt or a lost connection
 * @param reconnectMaxMillis TCP: the doubling wait stops growing here
 * @param drainTimeoutSeconds at the end of a replay or on SIGTERM: how long queued packets may
 *                            take to reach the collector before they are counted as not forwarded
 * @param maxDatagramBytes UDP payload limit; a longer packet is cut, its orig_len kept
 * @param sendBufferBytes the socket's send buffer (SO_SNDBUF)
 * @param auth UDP SOT1: the key that authenticates every datagram, or none
 * @param tls TCP: mutual TLS to the collector, {@link ForwardTlsConfig#DISABLED} when off
 * @param sensorId SOT2 and kafka: the name the sensor gives in its hello, the Kafka record key and
 *                 the collector's {@code {sender_name}} (default: the host name); null otherwise
 * @param spoolDirectory SOT2 and kafka: where unacknowledged packets wait; null: {@code <output>/.spool}
 * @param spoolMaxBytes SOT2 and kafka: the spool's size limit; past it the oldest unacknowledged go first
 * @param backfillRateBitsPerSecond SOT2: the pace of resending a backlog; 0: as fast as it goes
 * @param kafka the brokers, topic and producer properties; null unless the protocol is kafka
 */
public record ForwardConfig(boolean enable, String host, int port, String protocol, String format,
                            int connectTimeoutMillis, int reconnectMinMillis, int reconnectMaxMillis,
                            int drainTimeoutSeconds, int maxDatagramBytes, int sendBufferBytes,
                            ForwardAuthConfig auth, ForwardTlsConfig tls, String sensorId,
                            java.nio.file.Path spoolDirectory, long spoolMaxBytes, long backfillRateBitsPerSecond,
                            KafkaClientConfig kafka) {

    public static final ForwardConfig DISABLED = new ForwardConfig(false, null, 0, "udp", "sot1", 0, 0, 0, 0, 0, 0,
            ForwardAuthConfig.NONE, ForwardTlsConfig.DISABLED, null, null, 0, 0, null);

    /** Acknowledged forwarding with a spool (TCP, {@code format: sot2}). */
    public boolean sot2() {
        return format.equals("sot2");
    }

    public boolean tcp() {
        return protocol.equals("tcp");
    }

    public boolean usesKafka() {
        return protocol.equals("kafka");
    }

    /** The keys one or two protocols use: the key, then those protocols. */
    private static final String[][] KEY_PROTOCOLS = {
        {"format", "udp", "tcp"}, {"max_datagram_bytes", "udp"}, {"auth", "udp"},
        {"connect_timeout_ms", "tcp"}, {"reconnect_min_ms", "tcp"}, {"reconnect_max_ms", "tcp"}, {"tls", "tcp"},
        {"spool", "tcp", "kafka"}, {"backfill_rate_mbps", "tcp"},
        {"send_buffer_kb", "udp", "tcp"}, {"sensor_id", "tcp", "kafka"}, {"kafka", "kafka"}};

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
                host = null;
            } else if (host != null && !HostNames.valid(host)) {
                n.error("host", ConfigNode.quote(host) + " is not an IP address or name");
                host = null; // not looked up: the daemon resolves only a well-formed host
            }
            port = (int) (enable && !n.has("port") ? requiredPort(n) : n.integer("port", 0, 1, 65535));
        }
        for (String[] use : KEY_PROTOCOLS) {
            if (!java.util.Arrays.asList(use).subList(1, use.length).contains(protocol) && n.has(use[0])) {
                String only = use.length == 2 ? "protocol " + use[1] : "protocols " + use[1] + " and " + use[2];
                n.error(use[0], "is for " + only + " only (forward.protocol is " + protocol + ")");
            }
        }
        KafkaClientConfig kafkaCfg = null;
        if (kafka) {
            ConfigNode k = n.child("kafka");
            kafkaCfg = enable || n.has("kafka") ? KafkaClientConfig.read(k) : null;
            k.finish();
        }
        String asked = n.has("format") && !kafka ? n.string("format", "").toLowerCase(java.util.Locale.ROOT) : null;
        String format;
        if (asked != null && (tcp ? asked.equals("sot1") || asked.equals("raw")
                : asked.equals("pcap") || asked.equals("sot2"))) {
            n.error("format", ConfigNode.quote(asked) + " is for protocol " + (tcp ? "udp" : "tcp")
                    + " (forward.protocol is " + protocol + ", which takes " + (tcp ? "pcap or sot2" : "sot1 or raw")
                    + ")");
            format = tcp ? "pcap" : "sot1";
        } else {
            format = tcp ? n.choice("format", "pcap", "pcap", "sot2") : n.choice("format", "sot1", "sot1", "raw");
        }
        boolean sot2 = format.equals("sot2");
        if (tcp && !sot2) {
            for (String key : new String[] {"sensor_id", "spool", "backfill_rate_mbps"}) {
                if (n.has(key)) {
                    n.error(key, "is for format sot2 only (forward.format is " + format + ")");
                }
            }
        }
        // One rule for SOT2 and Kafka: the collector puts the name into file names ({sender_name})
        // and keeps its stream state under it, so it is a safe file name part (SotkRecord).
        String sensorId = null;
        if (sot2 || kafka) {
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
        }
        ConfigNode spool = n.child("spool");
        String spoolDir = spool.string("directory", null);
        java.nio.file.Path spoolPath = null;
        if (spoolDir != null) {
            if (spoolDir.isBlank()) {
                spool.error("directory", "must not be empty");
            } else {
                try {
                    spoolPath = java.nio.file.Path.of(spoolDir);
                } catch (RuntimeException e) {
                    spool.error("directory", ConfigNode.quote(spoolDir) + " is not a valid path");
                }
            }
        }
        long spoolMax = spool.integer("max_size_mb", 1024, 16, 1 << 24) << 20;
        spool.finish();
        long backfill = n.integer("backfill_rate_mbps", 100, 0, 100_000) * 1_000_000L;
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
        ForwardAuthConfig auth = ForwardAuthConfig.read(n.child("auth"), authSet && protocol.equals("udp") && !format.equals("raw"));
        ForwardTlsConfig tls = tcp && n.has("tls") ? ForwardTlsConfig.read(n.child("tls"), host)
                : ForwardTlsConfig.DISABLED;
        n.finish();
        return new ForwardConfig(enable, host, port, protocol, format, connect, rmin, rmax, drain, dgram, sndbuf,
                auth, tls, sensorId, spoolPath, spoolMax, backfill, kafkaCfg);
    }

    private static long requiredPort(ConfigNode n) {
        n.error("port", "is required when forward.enable is true");
        return 0;
    }
}
