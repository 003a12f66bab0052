package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.config.MetricsConfig;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.route.IpAddresses;
import com.secureot.pcap.route.IpPrefix;
import com.secureot.pcap.route.PrefixTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration of {@code sniffer-remote-pcap}: the earlier collector's keys ({@code port},
 * {@code protocol}, the storage keys) plus optional new ones with defaults that keep the earlier
 * behaviour. Validated once; every problem is one line naming its key.
 *
 * @param bindAddress a literal address: {@code 0.0.0.0} (IPv4), {@code ::} (IPv4 and IPv6)
 * @param tcpPort the TCP port, 0 when TCP is off
 * @param udpPort the UDP port, 0 when UDP is off
 * @param allowedSenders empty: everyone may send
 * @param kafka the consumer group ({@code protocol: kafka}), else null
 */
public record CollectorConfig(String bindAddress, int tcpPort, int udpPort, List<IpPrefix> allowedSenders,
                              LegacyRawConfig legacyRaw, LimitsConfig limits, StorageConfig storage,
                              MetricsConfig metrics, KafkaIngestConfig kafka) {

    public static CollectorConfig from(Map<String, Object> doc) throws ConfigException {
        return from(ConfigNode.root(doc, new ArrayList<>()));
    }

    /** As {@link #from(Map)}, reading a root the caller keeps (to ask its {@code askedPaths()}). */
    public static CollectorConfig from(ConfigNode root) throws ConfigException {
        if ("kafka".equalsIgnoreCase(String.valueOf(root.value("protocol")).trim())) {
            return kafka(root);
        }
        Integer port = root.has("port") ? (int) root.integer("port", 0, 1, 65535) : null;
        String protocol = root.choice("protocol", "tcp", "tcp", "udp", "both", "kafka");
        if (root.has("kafka")) {
            root.error("kafka", "is for protocol kafka only (protocol is " + protocol + ")");
        }
        int tcpPort = (int) root.integer("tcp_port", 0, 1, 65535);
        int udpPort = (int) root.integer("udp_port", 0, 1, 65535);
        boolean tcp = !protocol.equals("udp");
        boolean udp = !protocol.equals("tcp");
        if (port == null && ((tcp && !root.has("tcp_port")) || (udp && !root.has("udp_port")))) {
            root.error("port", "is required (or tcp_port/udp_port for each protocol in use)");
        }
        if (tcp && !root.has("tcp_port") && port != null) {
            tcpPort = port;
        }
        if (udp && !root.has("udp_port") && port != null) {
            udpPort = port;
        }
        if (!tcp && root.has("tcp_port")) {
            root.error("tcp_port", "is set but protocol is \"udp\"");
        }
        if (!udp && root.has("udp_port")) {
            root.error("udp_port", "is set but protocol is \"tcp\"");
        }
        String bind = root.string("bind_address", "0.0.0.0").trim();
        if (IpAddresses.parseLiteral(bind) == null) {
            root.error("bind_address", ConfigNode.quote(bind)
                    + " is not an IP address (examples: \"0.0.0.0\", \"::\" for IPv4 and IPv6, \"10.0.0.5\")");
        }
        List<IpPrefix> allowed = new ArrayList<>();
        List<String> senders = root.strings("allowed_senders");
        for (int i = 0; i < senders.size(); i++) {
            Optional<IpPrefix> p = IpPrefix.parse(senders.get(i));
            if (p.isEmpty()) {
                root.error("allowed_senders[" + i + "]", ConfigNode.quote(senders.get(i))
                        + " is not an IP address or CIDR");
            } else {
                allowed.add(p.get());
            }
        }
        LimitsConfig limits = LimitsConfig.read(root.child("limits"));
        LegacyRawConfig legacy = LegacyRawConfig.read(root.child("legacy_raw"));
        StorageConfig storage = StorageConfig.read(root, Set.of(PrefixTemplate.SENDER_IP, PrefixTemplate.SENDER_NAME));
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        root.finish();
        if (!root.errors().isEmpty()) {
            throw new ConfigException(root.errors());
        }
        return new CollectorConfig(bind, tcp ? tcpPort : 0, udp ? udpPort : 0, List.copyOf(allowed), legacy, limits,
                storage, metrics, null);
    }

    /**
     * {@code protocol: kafka}: no socket of its own, so the listening keys are errors; records
     * carry a sensor id, not an address, so files are named by {@code {sender_name}} and the
     * routing rules (which match sender addresses) do not apply.
     */
    private static CollectorConfig kafka(ConfigNode root) throws ConfigException {
        root.choice("protocol", "kafka", "kafka");
        for (String key : new String[] {"port", "tcp_port", "udp_port", "bind_address", "allowed_senders",
                "legacy_raw"}) {
            if (root.has(key)) {
                root.error(key, "is not for protocol kafka (the collector reads kafka.bootstrap_servers)");
            }
        }
        if (!root.children("routing_rules").isEmpty()) {
            root.error("routing_rules", "match sender addresses; Kafka records carry a sensor id: name the files "
                    + "with {sender_name} in default_output_prefix");
        }
        KafkaIngestConfig kafka = KafkaIngestConfig.read(root.child("kafka"));
        ConfigNode limitsNode = root.child("limits");
        for (String key : new String[] {"max_connections", "idle_timeout_seconds"}) {
            if (limitsNode.has(key)) {
                limitsNode.error(key, "is for the TCP listener, not for protocol kafka");
            }
        }
        LimitsConfig limits = LimitsConfig.read(limitsNode);
        StorageConfig storage = StorageConfig.read(root, Set.of(PrefixTemplate.SENDER_NAME));
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        root.finish();
        if (!root.errors().isEmpty()) {
            throw new ConfigException(root.errors());
        }
        return new CollectorConfig("0.0.0.0", 0, 0, List.of(), LegacyRawConfig.read(ConfigNode.root(Map.of(),
                new ArrayList<>())), limits, storage, metrics, kafka);
    }

    public boolean tcp() {
        return tcpPort != 0;
    }

    public boolean udp() {
        return udpPort != 0;
    }
}
