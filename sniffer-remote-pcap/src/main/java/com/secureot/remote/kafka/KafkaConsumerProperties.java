package com.secureot.remote.kafka;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ConfigNode;
import com.secureot.remote.config.KafkaIngestConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The consumer's properties: this daemon's defaults, the operator's {@code kafka.properties}
 * (TLS, SASL, fetch sizes...), then what at-least-once storage needs: offsets committed by the
 * collector itself once the records are in the files, never automatically.
 */
public final class KafkaConsumerProperties {
    static final String PROPERTIES = "kafka.properties";
    private static final Set<String> OWNED = Set.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
    static final String CLASSIC = "classic";
    static final String CONSUMER = "consumer";
    /**
     * Settings of the classic group protocol, which the consumer protocol refuses (its session
     * timeout and heartbeat are the brokers' {@code group.consumer.*} settings, its assignor runs
     * on the broker).
     */
    static final Set<String> CLASSIC_ONLY = Set.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);

    private KafkaConsumerProperties() {
    }

    /** Checks {@code kafka.properties}; every problem names its key. */
    public static void check(KafkaIngestConfig cfg) throws ConfigException {
        List<String> errors = new ArrayList<>();
        Set<String> known = ConsumerConfig.configNames();
        for (Map.Entry<String, String> e : cfg.client().properties().entrySet()) {
            String k = e.getKey();
            String v = e.getValue().trim();
            String where = PROPERTIES + "." + k + ": ";
            if (OWNED.contains(k)) {
                errors.add(where + "is set by the collector itself (kafka.bootstrap_servers, kafka.group_id, SOTK "
                        + "records as bytes) and cannot be overridden");
            } else if (k.equals(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG) && !v.equalsIgnoreCase("false")) {
                errors.add(where + ConfigNode.quote(v) + " is not allowed: offsets are committed once the records "
                        + "are in the files (false)");
            } else if (!known.contains(k)) {
                errors.add(where + "is not a Kafka consumer property");
            } else if (k.equals(ConsumerConfig.GROUP_PROTOCOL_CONFIG) && !v.equalsIgnoreCase(CLASSIC)
                    && !v.equalsIgnoreCase(CONSUMER)) {
                errors.add(where + ConfigNode.quote(v) + " is not a group protocol (expected consumer or classic)");
            }
        }
        if (isConsumer(cfg.client().properties().get(ConsumerConfig.GROUP_PROTOCOL_CONFIG))) {
            for (String k : cfg.client().properties().keySet()) {
                if (CLASSIC_ONLY.contains(k)) {
                    errors.add(PROPERTIES + "." + k + ": is a setting of the classic group protocol, not of "
                            + PROPERTIES + "." + ConsumerConfig.GROUP_PROTOCOL_CONFIG + ": consumer (the brokers' "
                            + "group.consumer.* settings hold it)");
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    /** Whether {@code p} (from {@link #of}) joins the group with the consumer protocol. */
    static boolean consumerProtocol(Properties p) {
        return isConsumer(p.getProperty(ConsumerConfig.GROUP_PROTOCOL_CONFIG));
    }

    private static boolean isConsumer(String groupProtocol) {
        return groupProtocol != null && groupProtocol.trim().equalsIgnoreCase(CONSUMER);
    }

    static Properties of(KafkaIngestConfig cfg, String clientId) {
        Properties p = new Properties();
        // A new group reads the topic from its start: what the sensors sent before the first
        // collector joined is stored too (within the topic's retention).
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // A record is a whole batch of packets (up to 1 MiB): Kafka's 1 MiB per partition and
        // fetch returned a few records per round trip, and one consumer of a busy partition
        // reached 19 MB/s here instead of 44 MB/s with 8 MiB (still within fetch.max.bytes, 50 MiB).
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
        // The kernel's receive buffer autotuning instead of Kafka's fixed 64 KiB: 520 MB read
        // here in 5.2 s instead of 7-10 s.
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "-1");
        // The classic group protocol unless kafka.properties chooses the consumer one (KIP-848):
        // classic works with every broker (the consumer one needs Kafka 4.0), keeps the session
        // timeout a client setting, and consumed as fast here (docs/performance.md, section 6).
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, CLASSIC);
        p.putAll(cfg.client().properties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", cfg.client().bootstrapServers()));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, cfg.groupId());
        // Views of the fetch buffer, not copies: a record is read where the consumer received it.
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }
}
