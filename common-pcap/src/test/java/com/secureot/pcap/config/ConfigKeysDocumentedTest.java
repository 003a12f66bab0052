package com.secureot.pcap.config;

import com.secureot.pcap.testing.DocumentedKeys;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every key the capture daemons accept has an entry in the configuration reference (issue 5): a
 * configuration that sets every section is read, and each key path the reader asked for must be
 * named in docs/. A key added to a reader without its documentation fails here.
 */
class ConfigKeysDocumentedTest {
    /** sniffer-span-pcap with every section and every key set. */
    static final String SPAN_FULL = """
            capture:
              interface: "eth1"
              bpf_filter: "tcp port 502"
              snaplen: 65535
              promiscuous: true
              buffer_size_mb: 64
              timestamp_precision: nano
              timeout_ms: 50
              queue_size_mb: 32
              backend: auto
              threads: 2
            routing_rules:
              - ip: "192.168.1.10"
                output_prefix: "plc_main"
              - ip: "fd00::/64"
                output_prefix: "v6_{src_ip}"
            default_output_prefix: "misc_{dst_ip}"
            output_directories:
              pcap_raw_output_path: "/var/lib/secureot-agent/pcap_raw"
            """ + DocumentedKeys.SHARED_BLOCKS;

    /** The forwarder: the same plus a forward block with every key of its protocol. */
    static final String FORWARDER_FULL = SPAN_FULL + """
            forward:
              enable: true
              host: "127.0.0.1"
              port: 5000
              protocol: tcp
              connect_timeout_ms: 3000
              reconnect_min_ms: 500
              reconnect_max_ms: 30000
              drain_timeout_seconds: 10
              send_buffer_kb: 4096
              tls:
                enable: false
                ca_file: "/etc/secureot/tls/ca.pem"
                certificate_file: "/etc/secureot/tls/probe.pem"
                private_key_file: "/etc/secureot/tls/probe.key"
                server_name: "collector.example"
                min_version: "1.3"
            """;

    /** The forwarder publishing to Kafka: every key of that protocol. */
    static final String FORWARDER_KAFKA_FULL = SPAN_FULL + """
            forward:
              enable: true
              protocol: kafka
              sensor_id: "site-7.plc"
              drain_timeout_seconds: 10
              kafka:
                bootstrap_servers: ["10.0.0.5:9093"]
                topic: ot-packets
                properties:
                  compression.type: zstd
            """;

    @Test
    void everyKeyOfTheKafkaForwarderIsInTheReference() throws Exception {
        Set<String> asked = askedPaths(FORWARDER_KAFKA_FULL, true);
        assertTrue(asked.containsAll(List.of("forward.sensor_id", "forward.kafka.properties")), asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }

    private static Set<String> askedPaths(String yaml, boolean withForward) throws ConfigException {
        Map<String, Object> doc = new Yaml().load(yaml);
        ConfigNode root = ConfigNode.root(doc, new ArrayList<>());
        SpanConfig.from(root, withForward); // a valid file: throws otherwise
        return root.askedPaths();
    }

    @Test
    void everyKeyOfSnifferSpanPcapIsInTheReference() throws Exception {
        Set<String> asked = askedPaths(SPAN_FULL, false);
        assertTrue(asked.contains("routing_rules[].output_prefix"), asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }

    @Test
    void everyKeyOfSnifferSpanForwarderIsInTheReference() throws Exception {
        Set<String> asked = askedPaths(FORWARDER_FULL, true);
        // Keys of the other protocol are asked too (to refuse them), so one file covers both.
        assertTrue(asked.containsAll(List.of("forward.format", "forward.max_datagram_bytes")), asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }

    @Test
    void everyKeyOfAnAuthenticatedUdpForwarderIsInTheReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path key = dir.resolve("probe.key");
        java.nio.file.Files.write(key, new byte[32]);
        Set<String> asked = askedPaths(SPAN_FULL + """
                forward:
                  enable: true
                  host: "127.0.0.1"
                  port: 5000
                  protocol: udp
                  format: sot1
                  max_datagram_bytes: 1472
                  auth:
                    key_id: 7
                    key_file: "%s"
                """.formatted(key), true);
        assertTrue(asked.containsAll(List.of("forward.auth.key_id", "forward.auth.key_file")), asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }

    @Test
    void askedPathsNameListItemsWithoutIndexAndIncludeKeysLeftOut() {
        Map<String, Object> doc = new Yaml().load("rules:\n  - ip: a\n  - ip: b\n    extra: c\n");
        ConfigNode root = ConfigNode.root(doc, new ArrayList<>());
        for (ConfigNode rule : root.children("rules")) {
            rule.string("ip", null);
            rule.string("note", null);
        }
        root.child("absent").integer("size", 1, 0, 10);
        assertEquals(List.of("rules", "rules[].ip", "rules[].note", "absent", "absent.size"),
                List.copyOf(root.askedPaths()));
    }

    @Test
    void theCheckFindsAKeyMissingFromTheReference() throws Exception {
        assertEquals(List.of("capture.colour"), DocumentedKeys.undocumented(List.of("capture.interface", "capture.colour")));
    }
}
