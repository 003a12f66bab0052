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
 * @param tcpPort the plaintext TCP port, 0 when TCP is off or the TCP port is the TLS port
 * @param udpPort the UDP port, 0 when UDP is off
 * @param allowedSenders empty: everyone may send
 * @param tls the TLS port, {@link TlsConfig#DISABLED} when off
 * @param requireAuthentication plaintext TCP connections are refused (TLS only), and on UDP only
 *                              authenticated SOT1 datagrams are accepted (raw frames and plain SOT1
 *                              are refused as {@code unauthenticated})
 * @param fsync {@code durability: fsync}: a SOT2 record is acknowledged once forced to disk, not
 *              once written to the OS
 * @param kafka the consumer group ({@code protocol: kafka}), else null
 */
public record CollectorConfig(String bindAddress, int tcpPort, int udpPort, List<IpPrefix> allowedSenders,
                              LegacyRawConfig legacyRaw, LimitsConfig limits, StorageConfig storage,
                              MetricsConfig metrics, TlsConfig tls, boolean requireAuthentication,
                              UdpAuthConfig udpAuth, boolean fsync, KafkaIngestConfig kafka) {

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
            } else if (p.get().isV6() && mappedV4(senders.get(i)) != null) {
                // Senders over IPv4 are matched by their IPv4 address, also on a dual-stack socket:
                // an IPv4-mapped entry would never match anyone.
                root.error("allowed_senders[" + i + "]", ConfigNode.quote(senders.get(i))
                        + " is an IPv4-mapped IPv6 address, which never matches: IPv4 senders are matched as IPv4 "
                        + "(write " + ConfigNode.quote(mappedV4(senders.get(i))) + ")");
            } else {
                allowed.add(p.get());
            }
        }
        LimitsConfig limits = LimitsConfig.read(root.child("limits"));
        TlsConfig tls = root.has("tls") ? TlsConfig.read(root.child("tls"), tcp ? tcpPort : 0) : TlsConfig.DISABLED;
        boolean requireAuth = root.bool("require_authentication", false);
        if (requireAuth && tcp && !tls.enable() && !udp) {
            root.error("require_authentication", "is true but tls.enable is not: no TCP sender could authenticate");
        }
        LegacyRawConfig legacy = LegacyRawConfig.read(root.child("legacy_raw"));
        StorageConfig storage = StorageConfig.read(root, Set.of(PrefixTemplate.SENDER_IP, PrefixTemplate.SENDER_NAME),
                true);
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        int errorsBefore = root.errors().size();
        UdpAuthConfig udpAuth = UdpAuthConfig.read(root.child("udp_auth"));
        // Keys that failed to load have their own lines; this one is for a list left empty.
        if (requireAuth && udp && udpAuth.keys().isEmpty() && root.errors().size() == errorsBefore) {
            root.error("require_authentication", "is true but udp_auth.keys is empty: every UDP datagram would be "
                    + "refused (add the sensors' keys, or listen on TCP only)");
        }
        boolean fsync = root.choice("durability", "written", "written", "fsync").equals("fsync");
        root.finish();
        if (!root.errors().isEmpty()) {
            throw new ConfigException(root.errors());
        }
        // The TCP port given to TLS serves TLS only; another TLS port leaves plaintext on it (migration).
        int plain = tcp && !(tls.enable() && tls.port() == tcpPort) ? tcpPort : 0;
        return new CollectorConfig(bind, plain, udp ? udpPort : 0, List.copyOf(allowed), legacy, limits,
                storage, metrics, tls, requireAuth, udpAuth, fsync, null);
    }

    /**
     * {@code protocol: kafka}: no socket of its own, so the listening keys are errors; records
     * carry a sensor id, not an address, so files are named by {@code {sender_name}} and a
     * routing rule matches the sensor id ({@code name}), never an address.
     */
    private static CollectorConfig kafka(ConfigNode root) throws ConfigException {
        root.choice("protocol", "kafka", "kafka");
        for (String key : new String[] {"port", "tcp_port", "udp_port", "bind_address", "allowed_senders",
                "legacy_raw", "tls", "require_authentication", "udp_auth", "durability"}) {
            if (root.has(key)) {
                root.error(key, "is not for protocol kafka (the collector reads kafka.bootstrap_servers)");
            }
        }
        List<ConfigNode> ruleNodes = root.children("routing_rules");
        for (int i = 0; i < ruleNodes.size(); i++) {
            if (ruleNodes.get(i).has("ip")) {
                root.addError("routing_rules[" + i + "].ip: matches sender addresses; Kafka records carry a sensor "
                        + "id: match it with name (a sensor id or \"*.suffix\"), or name the files with {sender_name}");
            }
        }
        KafkaIngestConfig kafka = KafkaIngestConfig.read(root.child("kafka"));
        ConfigNode limitsNode = root.child("limits");
        for (String key : new String[] {"max_connections", "idle_timeout_seconds"}) {
            if (limitsNode.has(key)) {
                limitsNode.error(key, "is for the TCP listener, not for protocol kafka");
            }
        }
        LimitsConfig limits = LimitsConfig.read(limitsNode);
        StorageConfig storage = StorageConfig.read(root, Set.of(PrefixTemplate.SENDER_NAME), true);
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        root.finish();
        if (!root.errors().isEmpty()) {
            throw new ConfigException(root.errors());
        }
        return new CollectorConfig("0.0.0.0", 0, 0, List.of(), LegacyRawConfig.read(ConfigNode.root(Map.of(),
                new ArrayList<>())), limits, storage, metrics, TlsConfig.DISABLED, false,
                UdpAuthConfig.read(ConfigNode.root(Map.of(), new ArrayList<>())), false, kafka);
    }

    /** The IPv4 form of an IPv4-mapped entry ({@code ::ffff:10.0.0.0/104} -> {@code 10.0.0.0/8}), else null. */
    static String mappedV4(String entry) {
        String t = entry.trim();
        int slash = t.indexOf('/');
        byte[] b = IpAddresses.parseLiteral(slash < 0 ? t : t.substring(0, slash));
        if (b == null || !IpAddresses.isV4Mapped(b)) {
            return null;
        }
        String v4 = IpAddresses.renderV4(IpAddresses.v4(b, 12));
        if (slash < 0) {
            return v4;
        }
        int len = Integer.parseInt(t.substring(slash + 1));
        return len >= 96 ? v4 + "/" + (len - 96) : null; // shorter: not only IPv4-mapped addresses
    }

    /** True when a plaintext TCP port listens. */
    public boolean tcp() {
        return tcpPort != 0;
    }

    public boolean udp() {
        return udpPort != 0;
    }
}
