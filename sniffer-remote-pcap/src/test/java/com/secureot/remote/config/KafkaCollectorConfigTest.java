package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigException;
import com.secureot.remote.kafka.KafkaConsumerProperties;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code protocol: kafka}: the collector as a consumer group member. */
class KafkaCollectorConfigTest {
    private static final String KAFKA = """
            protocol: kafka
            kafka:
              bootstrap_servers: ["10.0.0.5:9093"]
              topic: ot-packets
              group_id: central-collectors
            default_output_prefix: "site_{sender_name}"
            output_directories:
              pcap_raw_output_path: /tmp/x
            """;

    private static CollectorConfig load(String yaml) throws ConfigException {
        Map<String, Object> doc = new Yaml().load(yaml);
        CollectorConfig c = CollectorConfig.from(doc);
        if (c.kafka() != null) {
            KafkaConsumerProperties.check(c.kafka());
        }
        return c;
    }

    private static List<String> errors(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml)).errors();
    }

    @Test
    void kafkaKeysAreReadWithDefaults() throws Exception {
        CollectorConfig c = load(KAFKA);
        assertEquals("central-collectors", c.kafka().groupId());
        assertEquals("ot-packets", c.kafka().client().topic());
        assertEquals(5000, c.kafka().commitIntervalMillis());
        assertFalse(c.tcp());
        assertFalse(c.udp());
        assertEquals("site_s1", c.storage().defaultPrefix().render(null, null, "s1"));
    }

    @Test
    void tcpAndUdpConfigurationsHaveNoKafkaBlock() throws Exception {
        assertNull(load("port: 5000\ndefault_output_prefix: \"r_{sender_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: /tmp/x\n").kafka());
    }

    @Test
    void listeningKeysRoutingRulesAndTheSenderAddressAreErrorsUnderKafka() {
        List<String> e = errors(KAFKA.replace("site_{sender_name}", "site_{sender_ip}")
                + "port: 5000\nallowed_senders: [\"10.0.0.0/8\"]\nrouting_rules:\n  - ip: 10.0.0.1\n    output_prefix: x\n"
                + "limits:\n  max_connections: 5\n");
        assertTrue(e.contains("port: is not for protocol kafka (the collector reads kafka.bootstrap_servers)"), e.toString());
        assertTrue(e.contains("allowed_senders: is not for protocol kafka (the collector reads kafka.bootstrap_servers)"),
                e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("routing_rules[0].ip: matches sender addresses")), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("default_output_prefix: \"site_{sender_ip}\" uses unknown "
                + "placeholder {sender_ip}")), e.toString());
        assertTrue(e.contains("limits.max_connections: is for the TCP listener, not for protocol kafka"), e.toString());
    }

    @Test
    void tlsAuthenticationAndDurabilityAreErrorsUnderKafka() {
        List<String> e = errors(KAFKA + "tls:\n  enable: true\nrequire_authentication: true\nudp_auth:\n  keys: []\n"
                + "durability: fsync\n");
        for (String key : new String[] {"tls", "require_authentication", "udp_auth", "durability"}) {
            assertTrue(e.contains(key + ": is not for protocol kafka (the collector reads kafka.bootstrap_servers)"),
                    e.toString());
        }
    }

    @Test
    void consumerPropertiesCannotTurnOnAutoCommitOrReplaceTheGroup() {
        List<String> e = errors(KAFKA.replace("  group_id: central-collectors\n", "  group_id: central-collectors\n"
                + "  properties:\n    enable.auto.commit: true\n    group.id: other\n"
                + "    session.timeout.ms: 10000\n    sesion.timeout.ms: 1\n"));
        assertEquals(3, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("kafka.properties.enable.auto.commit: \"true\" is not allowed"), e.get(0));
        assertTrue(e.get(1).startsWith("kafka.properties.group.id: is set by the collector itself"), e.get(1));
        assertEquals("kafka.properties.sesion.timeout.ms: is not a Kafka consumer property", e.get(2));
    }

    @Test
    void requiredKafkaKeysAreNamed() {
        List<String> e = errors("protocol: kafka\nkafka:\n  topic: t\n  commit_interval_ms: 5\n"
                + "default_output_prefix: x\noutput_directories:\n  pcap_raw_output_path: /tmp/x\n");
        assertTrue(e.contains("kafka.bootstrap_servers: is required (host:port of one or more brokers)"), e.toString());
        assertTrue(e.contains("kafka.group_id: is required"), e.toString());
        assertTrue(e.contains("kafka.commit_interval_ms: 5 is out of range (expected 100..600000)"), e.toString());
    }

    @Test
    void aKafkaBlockUnderTcpIsAnError() {
        List<String> e = errors("port: 5000\nkafka:\n  topic: t\ndefault_output_prefix: x\n"
                + "output_directories:\n  pcap_raw_output_path: /tmp/x\n");
        assertTrue(e.contains("kafka: is for protocol kafka only (protocol is tcp)"), e.toString());
    }
}
