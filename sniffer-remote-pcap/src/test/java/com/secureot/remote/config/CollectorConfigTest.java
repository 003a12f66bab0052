package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CollectorConfigTest {
    private static final String EARLIER = """
            port: 5000
            protocol: "tcp"
            routing_rules:
              - ip: "192.168.50.100"
                output_prefix: "remote_sender_site_a"
            default_output_prefix: "remote_misc_traffic"
            output_directories:
              pcap_raw_output_path: "/var/lib/secureot-agent/remote_pcap_raw"
            """;

    static CollectorConfig parse(String yaml) throws ConfigException {
        Map<String, Object> doc = new Yaml().load(yaml);
        return CollectorConfig.from(doc);
    }

    static List<String> errors(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).errors();
    }

    @Test
    void theEarlierCollectorsFileLoadsUnchangedWithItsBehaviour() throws ConfigException {
        CollectorConfig c = parse(EARLIER);
        assertEquals(5000, c.tcpPort());
        assertEquals(0, c.udpPort());
        assertEquals("0.0.0.0", c.bindAddress());
        assertTrue(c.allowedSenders().isEmpty());
        assertTrue(c.legacyRaw().enable());
        assertEquals(1, c.legacyRaw().linkType());
        assertEquals(1, c.storage().rules().size());
    }

    @Test
    void aRoutingRuleMatchesASenderNameOrAPatternAsWellAsAnAddress() throws ConfigException {
        CollectorConfig c = parse(EARLIER.replace("routing_rules:\n", "routing_rules:\n"
                + "  - name: \"probe-a.site1\"\n    output_prefix: \"plant_a\"\n"
                + "  - name: \"*.site2\"\n    output_prefix: \"site2_{sender_name}\"\n"));
        var rules = c.storage().rules();
        assertEquals(3, rules.size());
        assertTrue(rules.get(0).name().matches("PROBE-A.site1") && rules.get(0).network() == null);
        assertTrue(rules.get(1).name().matches("probe-b.site2") && rules.get(1).name().matches("x.y.site2"));
        assertTrue(!rules.get(1).name().matches("site2") && !rules.get(1).name().matches("probe-b.site20"));
        assertTrue(rules.get(2).name() == null && rules.get(2).network() != null);
    }

    @Test
    void aRoutingRuleWithABadPatternBothKeysOrNeitherIsOneLineNamingTheKey() {
        String rules = "routing_rules:\n"
                + "  - name: \"probe-*.site1\"\n    output_prefix: \"a\"\n"
                + "  - name: \"probe-a.site1\"\n    ip: \"10.0.0.1\"\n    output_prefix: \"b\"\n"
                + "  - output_prefix: \"c\"\n"
                + "  - name: \"*.\"\n    output_prefix: \"d\"\n";
        List<String> e = errors(EARLIER.replaceAll("(?s)routing_rules:.*?site_a\"\n", rules));
        assertEquals(List.of(
                "routing_rules[0].name: \"probe-*.site1\" is not a name or a \"*.suffix\" pattern (examples: "
                        + "\"probe-a.site1\", \"*.site2\")",
                "routing_rules[1].name: and ip are both set; a rule matches one of them (write two rules)",
                "routing_rules[2]: needs ip (a sender address or CIDR) or name (a sender name or \"*.suffix\")",
                "routing_rules[3].name: \"*.\" is not a name or a \"*.suffix\" pattern (examples: "
                        + "\"probe-a.site1\", \"*.site2\")"), e);
    }

    @Test
    void bothListensOnTcpAndUdpWithOptionalSeparatePorts() throws ConfigException {
        CollectorConfig c = parse(EARLIER.replace("protocol: \"tcp\"", "protocol: both\nudp_port: 5001"));
        assertEquals(5000, c.tcpPort());
        assertEquals(5001, c.udpPort());
    }

    @Test
    void everyProblemIsOneLineNamingItsKey() {
        List<String> e = errors(EARLIER.replace("port: 5000", "port: 70000\nbind_address: \"collector.local\"\n"
                + "allowed_senders: [\"10.0.0.0/33\"]\nlegacy_raw: {enable: yes-please}\nlimits: {max_snaplen: 10}\n"
                + "colour: blue"));
        assertTrue(e.stream().anyMatch(l -> l.startsWith("port: 70000 is out of range")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.startsWith("bind_address: \"collector.local\" is not an IP address")),
                e.toString());
        assertTrue(e.stream().anyMatch(l -> l.startsWith("allowed_senders[0]: \"10.0.0.0/33\"")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.startsWith("legacy_raw.enable:")), e.toString());
        assertTrue(e.stream().anyMatch(l -> l.startsWith("limits.max_snaplen: 10 is out of range")), e.toString());
        assertTrue(e.contains("colour: unknown key"), e.toString());
    }

    @Test
    void senderIpIsTheOnlyPlaceholder() {
        List<String> e = errors(EARLIER.replace("remote_misc_traffic", "remote_{src_ip}"));
        assertTrue(e.get(0).startsWith("default_output_prefix:") && e.get(0).contains("{sender_ip}"), e.toString());
    }

    @Test
    void aPortIsRequired() {
        List<String> e = errors(EARLIER.replace("port: 5000\n", ""));
        assertEquals(List.of("port: is required (or tcp_port/udp_port for each protocol in use)"), e);
    }

    @Test
    void noKeysAndNoAuthenticationAsBefore() throws ConfigException {
        CollectorConfig c = parse(EARLIER);
        assertEquals(false, c.requireAuthentication());
        assertTrue(c.udpAuth().keys().isEmpty());
    }

    @Test
    void sensorKeysAreReadFromTheirFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path a = dir.resolve("a.key");
        java.nio.file.Path b = dir.resolve("b.key");
        java.nio.file.Files.write(a, new byte[32]);
        java.nio.file.Files.write(b, new byte[64]);
        CollectorConfig c = parse(EARLIER.replace("protocol: \"tcp\"", "protocol: udp") + """
                require_authentication: true
                udp_auth:
                  keys:
                    - {key_id: 1, key_file: "%s", sensor_name: "probe-a"}
                    - {key_id: 2, key_file: "%s", sensor_name: "probe-b"}
                """.formatted(a, b));
        assertTrue(c.requireAuthentication());
        assertEquals(List.of(1L, 2L), c.udpAuth().keys().stream().map(k -> k.id()).toList());
        assertEquals("probe-b", c.udpAuth().keys().get(1).name());
    }

    @Test
    void badKeysAreOneLineEachNamingTheKeyAndTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path good = dir.resolve("good.key");
        java.nio.file.Path shortKey = dir.resolve("short.key");
        java.nio.file.Files.write(good, new byte[32]);
        java.nio.file.Files.write(shortKey, new byte[31]);
        List<String> e = errors(EARLIER.replace("protocol: \"tcp\"", "protocol: udp") + """
                udp_auth:
                  keys:
                    - {key_id: 1, key_file: "%s", sensor_name: "probe-a"}
                    - {key_id: 1, key_file: "%s", sensor_name: "probe-b"}
                    - {key_id: 2, key_file: "%s", sensor_name: "probe-c"}
                    - {key_id: 3, key_file: "%s", sensor_name: "probe-d"}
                    - {key_id: -4, key_file: "%s", sensor_name: "probe-e", colour: red}
                    - {key_file: "%s"}
                """.formatted(good, good, shortKey, dir.resolve("missing.key"), good, good));
        assertEquals(List.of(
                "udp_auth.keys[1].key_id: 1 is already the id of udp_auth.keys[0] (each key needs its own id)",
                "udp_auth.keys[2].key_file: \"" + shortKey + "\" holds 31 bytes; a key must be at least 32 bytes "
                        + "(make one with: head -c 32 /dev/urandom > FILE)",
                "udp_auth.keys[3].key_file: \"" + dir.resolve("missing.key") + "\" does not exist",
                "udp_auth.keys[4].key_id: -4 is out of range (expected 0..4294967295)",
                "udp_auth.keys[4].colour: unknown key",
                "udp_auth.keys[5].key_id: is required",
                "udp_auth.keys[5].sensor_name: is required"), e);
    }

    @Test
    void requiringAuthenticationOnUdpNeedsKeys() {
        assertEquals(List.of("require_authentication: is true but udp_auth.keys is empty: every UDP datagram would "
                + "be refused (add the sensors' keys, or listen on TCP only)"),
                errors(EARLIER.replace("protocol: \"tcp\"", "protocol: both") + "require_authentication: true\n"));
    }

    @Test
    void anIpv4MappedAllowListEntryThatCanNeverMatchIsAnError() throws ConfigException {
        List<String> e = errors(EARLIER + "allowed_senders: [\"::ffff:127.0.0.3\", \"::ffff:10.0.0.0/104\", \"fd00::/8\"]\n");
        assertEquals(List.of(
                "allowed_senders[0]: \"::ffff:127.0.0.3\" is an IPv4-mapped IPv6 address, which never matches: IPv4 "
                        + "senders are matched as IPv4 (write \"127.0.0.3\")",
                "allowed_senders[1]: \"::ffff:10.0.0.0/104\" is an IPv4-mapped IPv6 address, which never matches: IPv4 "
                        + "senders are matched as IPv4 (write \"10.0.0.0/8\")"), e);
        assertEquals(1, parse(EARLIER + "allowed_senders: [\"127.0.0.3\"]\n").allowedSenders().size());
    }
}
