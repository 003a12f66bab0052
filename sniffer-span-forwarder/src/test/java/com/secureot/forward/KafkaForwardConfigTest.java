package com.secureot.forward;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.config.SpanConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code forward.protocol: kafka}: the keys, the pass-through properties and what they may not override. */
class KafkaForwardConfigTest {
    private static final String BASE = "capture:\n  interface: eth1\ndefault_output_prefix: \"{src_ip}\"\n"
            + "output_directories:\n  pcap_raw_output_path: /tmp/x\n";

    private static ForwardConfig load(String forward) throws ConfigException {
        Map<String, Object> doc = new Yaml().load(BASE + "forward:\n" + forward.indent(2));
        return SpanConfig.from(doc, true).forward();
    }

    private static List<String> errors(String forward) {
        return assertThrows(ConfigException.class, () -> {
            ForwardConfig f = load(forward);
            KafkaTarget.check(f.kafka());
        }).errors();
    }

    private static final String KAFKA = "enable: true\nprotocol: kafka\nsensor_id: \"site-7.plc\"\n"
            + "kafka:\n  bootstrap_servers: [\"10.0.0.5:9093\", \"kafka-2.example:9093\"]\n  topic: \"ot-packets\"\n";

    @Test
    void kafkaKeysAreReadAndPropertiesPassedThrough() throws Exception {
        ForwardConfig f = load(KAFKA + "  properties:\n    security.protocol: SSL\n    compression.type: zstd\n"
                + "    batch.size: 1048576\n    max.request.size: 2097152\n");
        assertTrue(f.usesKafka());
        assertEquals("site-7.plc", f.sensorId());
        assertEquals(List.of("10.0.0.5:9093", "kafka-2.example:9093"), f.kafka().bootstrapServers());
        assertEquals("ot-packets", f.kafka().topic());
        KafkaTarget.check(f.kafka());
        KafkaTarget t = new KafkaTarget(f, List.of(java.net.InetAddress.getByName("10.0.0.5"),
                java.net.InetAddress.getByName("10.0.0.6")));
        Properties p = t.producerProperties();
        assertEquals("SSL", p.get("security.protocol"));
        assertEquals("1048576", p.get(ProducerConfig.BATCH_SIZE_CONFIG));
        assertEquals("true", p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("10.0.0.5:9093,kafka-2.example:9093", p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(2097152 - 4096, t.maxRecordBytes());
        assertEquals("tcp and ((host 10.0.0.5 and port 9093) or (host 10.0.0.6 and port 9093))", t.bpfExclusion());
    }

    @Test
    void bootstrapServersMayBeOneCommaSeparatedString() throws Exception {
        ForwardConfig f = load("enable: true\nprotocol: kafka\nsensor_id: s1\nkafka:\n"
                + "  bootstrap_servers: \"a:9092, b:9092\"\n  topic: t\n");
        assertEquals(List.of("a:9092", "b:9092"), f.kafka().bootstrapServers());
    }

    @Test
    void sensorIdDefaultsToTheHostName() throws Exception {
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        ForwardConfig f = load("enable: true\nprotocol: kafka\nkafka:\n  bootstrap_servers: \"a:9092\"\n  topic: t\n");
        assertEquals(host, f.sensorId());
    }

    @Test
    void settingsTheGuaranteesRestOnCannotBeOverridden() {
        List<String> e = errors(KAFKA + "  properties:\n    enable.idempotence: false\n    acks: 1\n"
                + "    key.serializer: x\n    partitioner.class: y\n    max.in.flight.requests.per.connection: 10\n"
                + "    compresion.type: lz4\n");
        assertEquals(6, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("forward.kafka.properties.enable.idempotence: \"false\" is not allowed"), e.get(0));
        assertTrue(e.get(1).startsWith("forward.kafka.properties.acks: \"1\" is not allowed"), e.get(1));
        assertTrue(e.get(2).startsWith("forward.kafka.properties.key.serializer: is set by the forwarder"), e.get(2));
        assertTrue(e.get(3).startsWith("forward.kafka.properties.partitioner.class: is set by the forwarder"), e.get(3));
        assertTrue(e.get(4).startsWith("forward.kafka.properties.max.in.flight.requests.per.connection: \"10\""), e.get(4));
        assertEquals("forward.kafka.properties.compresion.type: is not a Kafka producer property", e.get(5));
    }

    @Test
    void theProducerNeverGivesARecordUpAndPacketsWaitInTheSpool() throws Exception {
        List<String> e = errors(KAFKA + "  properties:\n    delivery.timeout.ms: 300000\n");
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("forward.kafka.properties.delivery.timeout.ms: cannot be set"), e.get(0));
        ForwardConfig f = load(KAFKA + "spool:\n  directory: /var/spool/ot\n  max_size_mb: 64\n");
        assertEquals(Path.of("/var/spool/ot"), f.spoolDirectory());
        assertEquals(64L << 20, f.spoolMaxBytes());
        KafkaTarget t = new KafkaTarget(f, List.of(java.net.InetAddress.getByName("10.0.0.5")));
        assertEquals(String.valueOf(Integer.MAX_VALUE), t.producerProperties().get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        assertEquals(16L << 20, t.windowBytes(), "half of the default buffer.memory (32 MiB)");
        KafkaTarget small = new KafkaTarget(load(KAFKA + "  properties:\n    buffer.memory: 8388608\n"),
                List.of(java.net.InetAddress.getByName("10.0.0.5")));
        assertEquals(4L << 20, small.windowBytes(), "half of buffer.memory: send never waits for buffer space");
    }

    @Test
    void badValuesNameTheirKey() {
        List<String> e = errors("enable: true\nprotocol: kafka\nsensor_id: \"../x\"\nhost: h\nport: 1\nformat: raw\n"
                + "kafka:\n  bootstrap_servers: [\"nohost\", \"h:99999\"]\n  topic: \"a b\"\n  propertys: {}\n");
        assertTrue(e.contains("forward.host: is for protocols udp and tcp only (protocol kafka uses "
                + "forward.kafka.bootstrap_servers)"), e.toString());
        assertTrue(e.contains("forward.format: is for protocols udp and tcp only (forward.protocol is kafka)"), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("forward.sensor_id: \"../x\" is not a sensor id")), e.toString());
        assertTrue(e.contains("forward.kafka.bootstrap_servers: \"nohost\" is not host:port"), e.toString());
        assertTrue(e.contains("forward.kafka.bootstrap_servers: \"h:99999\" has port 99999 out of range "
                + "(expected 1..65535)"), e.toString());
        assertTrue(e.stream().anyMatch(s -> s.startsWith("forward.kafka.topic: \"a b\" is not a Kafka topic name")),
                e.toString());
        assertTrue(e.contains("forward.kafka.propertys: unknown key"), e.toString());
    }

    @Test
    void kafkaKeysAreErrorsUnderTheOtherProtocols() {
        List<String> e = errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nsensor_id: s\n"
                + "kafka:\n  topic: t\n");
        assertTrue(e.contains("forward.sensor_id: is for format sot2 only (forward.format is pcap)"), e.toString());
        assertTrue(e.contains("forward.kafka: is for protocol kafka only (forward.protocol is tcp)"), e.toString());
        List<String> u = errors("enable: true\nhost: h\nport: 1\nprotocol: udp\nsensor_id: s\n"
                + "kafka:\n  topic: t\n");
        assertTrue(u.contains("forward.sensor_id: is for protocols tcp and kafka only (forward.protocol is udp)"),
                u.toString());
        assertTrue(u.contains("forward.kafka: is for protocol kafka only (forward.protocol is udp)"), u.toString());
    }

    @Test
    void anUnresolvableBootstrapServerNamesTheKey() throws Exception {
        ForwardConfig f = load("enable: true\nprotocol: kafka\nsensor_id: s\nkafka:\n"
                + "  bootstrap_servers: \"no-such-host.invalid:9092\"\n  topic: t\n");
        UnknownHostException e = assertThrows(UnknownHostException.class, () -> KafkaTarget.resolve(f));
        assertEquals("forward.kafka.bootstrap_servers: \"no-such-host.invalid\" cannot be resolved", e.getMessage());
    }
}
