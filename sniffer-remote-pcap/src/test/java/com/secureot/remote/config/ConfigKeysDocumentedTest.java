package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;
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
 * Every key the collector accepts has an entry in the configuration reference (issue 5): a file
 * setting every section is read, and each key path the reader asked for must be named in docs/.
 */
class ConfigKeysDocumentedTest {
    static final String COLLECTOR_FULL = """
            port: 5000
            protocol: both
            tcp_port: 5000
            udp_port: 5001
            bind_address: "::"
            allowed_senders: ["10.20.0.0/16", "192.168.50.100"]
            routing_rules:
              - ip: "192.168.50.100"
                output_prefix: "remote_sender_site_a"
            default_output_prefix: "remote_{sender_ip}"
            output_directories:
              pcap_raw_output_path: "/var/lib/secureot-agent/remote_pcap_raw"
            legacy_raw:
              enable: true
              link_type: 1
              max_frame_bytes: 65535
            limits:
              max_connections: 256
              max_snaplen: 262144
              idle_timeout_seconds: 3600
              queue_size_mb: 64
              max_connections_per_address: 64
              reserved_connections: 25
              first_bytes_timeout_seconds: 30
              progress_timeout_seconds: 10
              io_threads: 2
            require_authentication: false
            tls:
              enable: false
              port: 5443
              certificate_file: "/etc/secureot/tls/collector.pem"
              private_key_file: "/etc/secureot/tls/collector.key"
              client_ca_file: "/etc/secureot/tls/ca.pem"
              crl_file: "/etc/secureot/tls/ca.crl"
              allowed_clients: ["probe-a.site1", "*.site2"]
              min_version: "1.3"
              handshake_timeout_seconds: 10
            """ + DocumentedKeys.SHARED_BLOCKS;

    /** protocol kafka, every key of its own set. */
    static final String COLLECTOR_KAFKA_FULL = """
            protocol: kafka
            kafka:
              bootstrap_servers: ["10.0.0.5:9093"]
              topic: ot-packets
              group_id: central-collectors
              commit_interval_ms: 5000
              properties:
                security.protocol: SSL
            default_output_prefix: "site_{sender_name}"
            output_directories:
              pcap_raw_output_path: "/var/lib/secureot-agent/remote_pcap_raw"
            limits:
              max_snaplen: 262144
              queue_size_mb: 64
            """ + DocumentedKeys.SHARED_BLOCKS;

    @Test
    void everyKeyOfTheKafkaCollectorIsInTheReference() throws Exception {
        Map<String, Object> doc = new Yaml().load(COLLECTOR_KAFKA_FULL);
        ConfigNode root = ConfigNode.root(doc, new ArrayList<>());
        CollectorConfig.from(root);
        Set<String> asked = root.askedPaths();
        assertTrue(asked.containsAll(List.of("kafka.group_id", "kafka.properties")), asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }

    @Test
    void everyKeyOfTheCollectorIsInTheReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path key = dir.resolve("probe-a.key");
        java.nio.file.Files.write(key, new byte[32]);
        Map<String, Object> doc = new Yaml().load(COLLECTOR_FULL + """
                require_authentication: true
                udp_auth:
                  keys:
                    - key_id: 7
                      key_file: "%s"
                      sensor_name: "probe-a"
                """.formatted(key));
        ConfigNode root = ConfigNode.root(doc, new ArrayList<>());
        CollectorConfig.from(root); // a valid file: throws otherwise
        Set<String> asked = root.askedPaths();
        assertTrue(asked.containsAll(List.of("limits.max_snaplen", "legacy_raw.link_type", "routing_rules[].ip",
                "udp_auth.keys[].key_file")),
                asked.toString());
        assertEquals(List.of(), DocumentedKeys.undocumented(asked), "keys without an entry in docs/configuration*.md");
    }
}
