package com.secureot.forward;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.config.KafkaClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The Kafka brokers of {@code forward.kafka}, and the producer's properties: the operator's
 * {@code forward.kafka.properties} over this daemon's defaults, without the settings that no
 * operator may change because the guarantees rest on them (an idempotent producer, acks from
 * every in-sync replica, records keyed by sensor and sent to the partition of that key).
 */
record KafkaTarget(ForwardConfig forward, List<InetAddress> bootstrapAddresses) {
    static final String PROPERTIES = "forward.kafka.properties";
    /** Keys this daemon sets itself. */
    private static final Set<String> OWNED = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.PARTITIONER_CLASS_CONFIG,
            ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);

    /** Checks {@code forward.kafka.properties}; every problem names its key. */
    static void check(KafkaClientConfig kafka) throws ConfigException {
        List<String> errors = new ArrayList<>();
        Set<String> known = ProducerConfig.configNames();
        for (Map.Entry<String, String> e : kafka.properties().entrySet()) {
            String k = e.getKey();
            String v = e.getValue().trim();
            String where = PROPERTIES + "." + k + ": ";
            if (k.equals(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
                errors.add(where + "cannot be set: the producer never gives a record up (while the brokers are away, "
                        + "packets wait in forward.spool; a record given up and sent again would reach the topic "
                        + "after the ones that followed it)");
            } else if (OWNED.contains(k)) {
                errors.add(where + "is set by the forwarder itself (forward.kafka.bootstrap_servers, records keyed "
                        + "by forward.sensor_id) and cannot be overridden");
            } else if (k.equals(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG) && !v.equalsIgnoreCase("true")) {
                errors.add(where + ConfigNode.quote(v) + " is not allowed: the producer must be idempotent (true) so "
                        + "that retries neither duplicate nor reorder a sensor's records");
            } else if (k.equals(ProducerConfig.ACKS_CONFIG) && !(v.equalsIgnoreCase("all") || v.equals("-1"))) {
                errors.add(where + ConfigNode.quote(v) + " is not allowed: a record counts as forwarded once every "
                        + "in-sync replica has it (all)");
            } else if (k.equals(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION) && !inFlightOk(v)) {
                errors.add(where + ConfigNode.quote(v) + " is not allowed with an idempotent producer (expected 1..5)");
            } else if (k.equals(ProducerConfig.MAX_REQUEST_SIZE_CONFIG) && !v.matches("\\d{4,9}")) {
                errors.add(where + ConfigNode.quote(v) + " is not a size in bytes (expected 1024..999999999)");
            } else if (!known.contains(k)) {
                errors.add(where + "is not a Kafka producer property");
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    private static boolean inFlightOk(String v) {
        try {
            int n = Integer.parseInt(v);
            return n >= 1 && n <= 5;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Resolves every bootstrap server (for the capture's self-exclusion); the message names the key. */
    static KafkaTarget resolve(ForwardConfig forward) throws UnknownHostException {
        List<InetAddress> addresses = new ArrayList<>();
        for (String hp : forward.kafka().bootstrapServers()) {
            String host = host(hp);
            try {
                addresses.add(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                throw new UnknownHostException("forward.kafka.bootstrap_servers: \"" + host + "\" cannot be resolved");
            }
        }
        return new KafkaTarget(forward, List.copyOf(addresses));
    }

    private static String host(String hostPort) {
        String h = hostPort.substring(0, hostPort.lastIndexOf(':'));
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    /**
     * The BPF expression matching the traffic to the bootstrap brokers. Brokers the cluster
     * names later (its metadata) are not known here: docs/deployment.md says to list them all.
     */
    String bpfExclusion() {
        StringBuilder sb = new StringBuilder("tcp and (");
        List<String> servers = forward.kafka().bootstrapServers();
        for (int i = 0; i < servers.size(); i++) {
            String host = bootstrapAddresses.get(i).getHostAddress();
            if (bootstrapAddresses.get(i) instanceof Inet6Address) {
                int zone = host.indexOf('%');
                host = zone < 0 ? host : host.substring(0, zone);
            }
            sb.append(i == 0 ? "" : " or ").append("(host ").append(host).append(" and port ")
                    .append(port(servers.get(i))).append(')');
        }
        return sb.append(')').toString();
    }

    /** The producer's properties: defaults, then the operator's, then what correctness needs. */
    Properties producerProperties() {
        Properties p = new Properties();
        // Defaults an operator may change. A record is a whole batch of packets (up to 1 MiB),
        // so a linger only delays it. While the cluster is unreachable, the publishing thread
        // waits in send for metadata up to Kafka's max.block.ms (60 s), then tries again; the
        // packets wait in the spool meanwhile.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // The kernel's send buffer autotuning rather than Kafka's fixed 128 KiB: a record is up to 1 MiB.
        p.put(ProducerConfig.SEND_BUFFER_CONFIG, "-1");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "sniffer-span-forwarder-" + forward.sensorId());
        p.putAll(forward.kafka().properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", forward.kafka().bootstrapServers()));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
        return p;
    }

    /**
     * Unacknowledged record bytes the publisher hands the producer at most: half its
     * buffer.memory, so that send never waits for buffer space, and no more than 16 MiB (the
     * rest waits in the spool, where a kill -9 does not lose it).
     */
    long windowBytes() {
        String v = forward.kafka().properties().get(ProducerConfig.BUFFER_MEMORY_CONFIG);
        long memory = 32L << 20;
        if (v != null) {
            try {
                memory = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                // the producer refuses it when it is made, naming the key
            }
        }
        return Math.max(2L << 20, Math.min(16L << 20, memory / 2));
    }

    /** The largest record value the producer may send: its max.request.size less the Kafka framing. */
    int maxRecordBytes() {
        String v = forward.kafka().properties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int request = v == null ? 1 << 20 : Integer.parseInt(v.trim());
        return Math.max(1024, request - 4096);
    }

    @Override
    public String toString() {
        return "kafka " + String.join(",", forward.kafka().bootstrapServers()) + " topic " + forward.kafka().topic()
                + " as sensor " + forward.sensorId();
    }
}
