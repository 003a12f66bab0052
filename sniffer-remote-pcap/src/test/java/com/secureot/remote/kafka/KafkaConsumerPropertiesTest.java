package com.secureot.remote.kafka;

import com.secureot.pcap.config.ConfigException;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.remote.config.KafkaIngestConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which group protocol the collector joins with, and what {@code kafka.properties} may say about it. */
class KafkaConsumerPropertiesTest {
    private static KafkaIngestConfig kafka(String properties) throws ConfigException {
        Map<String, Object> doc = new Yaml().load("protocol: kafka\nkafka:\n  bootstrap_servers: [\"10.0.0.5:9093\"]\n"
                + "  topic: ot-packets\n  group_id: central-collectors\n"
                + (properties.isEmpty() ? "" : "  properties:\n" + properties)
                + "default_output_prefix: \"site_{sender_name}\"\noutput_directories:\n  pcap_raw_output_path: /tmp/x\n");
        KafkaIngestConfig k = CollectorConfig.from(doc).kafka();
        KafkaConsumerProperties.check(k);
        return k;
    }

    private static Properties of(String properties) throws ConfigException {
        return KafkaConsumerProperties.of(kafka(properties), "test");
    }

    @Test
    void joinsWithTheClassicProtocolByDefaultWithOrWithoutItsSettings() throws ConfigException {
        for (String line : new String[] {"", "    session.timeout.ms: 6000\n", "    heartbeat.interval.ms: 1000\n",
                "    partition.assignment.strategy: org.apache.kafka.clients.consumer.RangeAssignor\n"}) {
            Properties p = of(line);
            assertEquals("classic", p.getProperty("group.protocol"), line);
            assertFalse(KafkaConsumerProperties.consumerProtocol(p), line);
        }
    }

    @Test
    void anExplicitGroupProtocolIsKept() throws ConfigException {
        assertEquals("classic", of("    group.protocol: classic\n").getProperty("group.protocol"));
        assertEquals("CONSUMER", of("    group.protocol: CONSUMER\n").getProperty("group.protocol"));
        assertFalse(KafkaConsumerProperties.consumerProtocol(of("    group.protocol: classic\n")));
        assertTrue(KafkaConsumerProperties.consumerProtocol(of("    group.protocol: consumer\n")));
    }

    @Test
    void anUnknownProtocolAndClassicSettingsUnderTheConsumerProtocolAreErrorsNamingTheKey() {
        List<String> e = assertThrows(ConfigException.class, () -> kafka("    group.protocol: kip848\n")).errors();
        assertEquals(List.of("kafka.properties.group.protocol: \"kip848\" is not a group protocol (expected consumer "
                + "or classic)"), e);
        e = assertThrows(ConfigException.class,
                () -> kafka("    group.protocol: consumer\n    session.timeout.ms: 6000\n")).errors();
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("kafka.properties.session.timeout.ms: is a setting of the classic group "
                + "protocol, not of kafka.properties.group.protocol: consumer"), e.get(0));
    }
}
