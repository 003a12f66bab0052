package com.secureot.pcap.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpanConfigTest {
    /** The earlier agents' configuration, byte for byte as they shipped it. */
    static final String EARLIER_AGENT = """
            capture:
              interface: "eth0"
              bpf_filter: "tcp port 502 or tcp port 102"   # optional, null or "" = everything
            routing_rules:
              - ip: "192.168.1.10"
                output_prefix: "traffic_plc_main"
            default_output_prefix: "traffic_misc"
            output_directories:
              pcap_raw_output_path: "/var/lib/secureot-agent/pcap_raw"
            """;

    @TempDir
    Path dir;

    private SpanConfig load(String yaml) throws IOException, ConfigException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, yaml);
        return SpanConfig.from(YamlDocuments.load(f), false);
    }

    private List<String> errors(String yaml) throws IOException {
        return assertThrows(ConfigException.class, () -> load(yaml)).errors();
    }

    /** The earlier agents' file with {@code from} replaced by {@code to}. */
    private static String edit(String from, String to) {
        assertTrue(EARLIER_AGENT.contains(from), from);
        return EARLIER_AGENT.replace(from, to);
    }

    @Test
    void theEarlierAgentsConfigurationLoadsUnchangedWithDefaults() throws Exception {
        SpanConfig c = load(EARLIER_AGENT);
        assertEquals("eth0", c.capture().interfaceName());
        assertEquals("tcp port 502 or tcp port 102", c.capture().bpfFilter());
        assertEquals(262144, c.capture().snaplen());
        assertTrue(c.capture().promiscuous());
        assertEquals(64 << 20, c.capture().bufferSizeBytes());
        assertFalse(c.capture().nanoTimestamps());
        assertEquals(1, c.storage().rules().size());
        assertEquals("192.168.1.10", c.storage().rules().get(0).network().toString());
        assertEquals("traffic_plc_main", c.storage().rules().get(0).prefix().toString());
        assertEquals("traffic_misc", c.storage().defaultPrefix().toString());
        assertEquals(Path.of("/var/lib/secureot-agent/pcap_raw"), c.storage().outputDir());
        assertEquals(ZoneId.systemDefault(), c.storage().rotation().zone(), "local time, as the earlier agents");
        assertEquals(0, c.storage().rotation().maxFileBytes());
        assertFalse(c.storage().retention().enabled());
        assertFalse(c.forward().enable());
    }

    @Test
    void anEmptyOrNullFilterCapturesEverything() throws Exception {
        assertNull(load(edit("\"tcp port 502 or tcp port 102\"", "\"\"")).capture().bpfFilter());
        assertNull(load(edit("\"tcp port 502 or tcp port 102\"", "null")).capture().bpfFilter());
    }

    @Test
    void readsTheNewOptionalKeys() throws Exception {
        SpanConfig c = load(edit("  interface: \"eth0\"\n", """
                  interface: "eth0"
                  snaplen: 1518
                  promiscuous: false
                  buffer_size_mb: 128
                  timestamp_precision: nano
                """) + """
                rotation:
                  timezone: UTC
                  max_file_size_mb: 100
                retention:
                  max_total_size_gb: 1.5
                  max_age_hours: 48
                """);
        assertEquals(1518, c.capture().snaplen());
        assertFalse(c.capture().promiscuous());
        assertEquals(128 << 20, c.capture().bufferSizeBytes());
        assertTrue(c.capture().nanoTimestamps());
        assertEquals(ZoneOffset.UTC, c.storage().rotation().zone());
        assertEquals(100L << 20, c.storage().rotation().maxFileBytes());
        assertEquals((long) (1.5 * (1L << 30)), c.storage().retention().maxTotalBytes());
        assertEquals(48 * 3600, c.storage().retention().maxAgeSeconds());
        assertEquals(ZoneId.of("Europe/Paris"),
                load(EARLIER_AGENT + "rotation:\n  timezone: Europe/Paris\n").storage().rotation().zone());
    }

    @Test
    void ipv6AndCidrRulesAreAccepted() throws Exception {
        SpanConfig c = load(edit("  - ip: \"192.168.1.10\"\n    output_prefix: \"traffic_plc_main\"\n", """
                  - ip: "10.0.0.0/24"
                    output_prefix: "cell_{src_ip}"
                  - ip: "fd00::10"
                    output_prefix: "hmi"
                  - ip: "fd00:1::/32"
                    output_prefix: "to_{dst_ip}"
                """));
        assertEquals(List.of("10.0.0.0/24", "fd00::10", "fd00:1::/32"),
                c.storage().rules().stream().map(r -> r.network().toString()).toList());
        assertTrue(c.storage().rules().get(1).network().isV6());
    }

    @Test
    void aBadRuleAddressNamesItsIndexAndValue() throws IOException {
        String yaml = edit("    output_prefix: \"traffic_plc_main\"\n", """
                    output_prefix: "traffic_plc_main"
                  - ip: "192.168.1.300"
                    output_prefix: "plc2"
                  - ip: "10.0.0.0/33"
                    output_prefix: "plc3"
                """);
        assertEquals(List.of("routing_rules[1].ip: \"192.168.1.300\" is not an IP address or CIDR",
                "routing_rules[2].ip: \"10.0.0.0/33\" is not an IP address or CIDR"), errors(yaml));
    }

    @Test
    void unknownKeysAreErrorsAtEveryLevel() throws IOException {
        assertEquals(List.of("capture.interface: is required", "capture.interfce: unknown key"),
                errors(edit("  interface:", "  interfce:")));
        assertEquals(List.of("routing_rules[0].output_prefix: is required",
                        "routing_rules[0].outputprefix: unknown key"),
                sorted(errors(edit("    output_prefix:", "    outputprefix:"))));
        assertEquals(List.of("default_output_prefx: unknown key"),
                errors(EARLIER_AGENT + "default_output_prefx: \"x\"\n"));
        assertEquals(List.of("rotation.max_file_size: unknown key"),
                errors(EARLIER_AGENT + "rotation:\n  max_file_size: 10\n"));
    }

    @Test
    void aForwardBlockSharedWithTheForwarderLoadsButAskingToForwardIsAnError() throws Exception {
        SpanConfig shared = load(EARLIER_AGENT + "forward:\n  enable: false\n  host: \"10.0.0.1\"\n  port: 5000\n");
        assertFalse(shared.forward().enable(), "a disabled block is validated and ignored");
        assertEquals(List.of("forward.enable: true, but sniffer-span-pcap does not forward; run sniffer-span-forwarder "
                        + "with this file"),
                errors(EARLIER_AGENT + "forward:\n  enable: true\n  host: \"10.0.0.1\"\n  port: 5000\n"));
        assertEquals(List.of("forward.hots: unknown key"),
                errors(EARLIER_AGENT + "forward:\n  enable: false\n  hots: \"10.0.0.1\"\n"));
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    @Test
    void aYamlSyntaxErrorGivesTheLine() throws IOException {
        List<String> e = errors(edit("default_output_prefix: \"traffic_misc\"", "default_output_prefix: [\"traffic_misc\""));
        assertEquals(1, e.size());
        assertTrue(e.get(0).matches(".*config\\.yaml line \\d+, column \\d+: YAML syntax error: .*"), e.get(0));
        List<String> tab = errors(EARLIER_AGENT + "rotation:\n\ttimezone: UTC\n");
        assertTrue(tab.get(0).contains(" line 11,"), tab.get(0));
        assertEquals(1, errors(EARLIER_AGENT + "capture: {}\n").size(), "a duplicate key");
    }

    @Test
    void prefixesThatCouldEscapeTheOutputFolderAreRejected() throws IOException {
        for (String bad : List.of("../etc/cron.d/x", "a/b", "/abs", "..", "x..y", "a\\\\b")) {
            List<String> e = errors(edit("\"traffic_plc_main\"", "\"" + bad + "\""));
            assertEquals(1, e.size(), bad);
            assertTrue(e.get(0).startsWith("routing_rules[0].output_prefix: "), e.get(0));
            assertTrue(e.get(0).contains("could escape the output folder"), e.get(0));
        }
        List<String> e = errors(edit("\"traffic_misc\"", "\"../misc\""));
        assertEquals(List.of("default_output_prefix: \"../misc\" could escape the output folder (no '/', '\\' or '..')"), e);
        assertTrue(errors(edit("\"traffic_misc\"", "\"m_{sender_ip}\"")).get(0)
                .startsWith("default_output_prefix: \"m_{sender_ip}\" uses unknown placeholder {sender_ip}"));
        assertTrue(errors(edit("\"traffic_misc\"", "\"m_{src_ip\"")).get(0).contains("unmatched '{'"));
    }

    @Test
    void badTypesNameTheKeyAndTheValue() throws IOException {
        assertEquals(List.of("capture.snaplen: \"big\" is not an integer"),
                errors(edit("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  snaplen: big\n")));
        assertEquals(List.of("capture.snaplen: 10 is out of range (expected 64..262144)"),
                errors(edit("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  snaplen: 10\n")));
        assertEquals(List.of("capture.promiscuous: \"sometimes\" is not true or false"),
                errors(edit("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  promiscuous: sometimes\n")));
        assertEquals(List.of("capture.timestamp_precision: \"pico\" is not one of micro, nano"),
                errors(edit("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  timestamp_precision: pico\n")));
        assertEquals(List.of("routing_rules[0].ip: 42 is not a string"),
                errors(edit("\"192.168.1.10\"", "42")));
        assertEquals(List.of("routing_rules: \"all\" is not a list"),
                errors(EARLIER_AGENT.replaceAll("(?s)routing_rules:.*?traffic_plc_main\"\n", "routing_rules: all\n")));
        assertEquals(List.of("output_directories: \"/tmp\" is not a mapping",
                        "output_directories.pcap_raw_output_path: is required"),
                errors(EARLIER_AGENT.replaceAll("(?s)output_directories:.*", "output_directories: /tmp\n")));
        assertEquals(List.of("rotation.timezone: \"Mars/Olympus\" is not local, UTC or a zone id such as Europe/Paris"),
                errors(EARLIER_AGENT + "rotation:\n  timezone: Mars/Olympus\n"));
        assertEquals(List.of("retention.max_total_size_gb: \"lots\" is not a number"),
                errors(EARLIER_AGENT + "retention:\n  max_total_size_gb: lots\n"));
    }

    @Test
    void aNonTextKeyIsAnErrorNotACrash() throws IOException {
        assertEquals(List.of("top level: key 1 is not a string"), errors(EARLIER_AGENT + "1: one\n"));
        assertEquals(List.of("capture: key true is not a string"),
                errors(edit("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  yes: 1\n")));
    }

    @Test
    void everyErrorOfTheFileIsReportedAtOnce() throws IOException {
        String yaml = """
                capture:
                  interface: ""
                routing_rules:
                  - ip: "plc-1"
                    output_prefix: "a/b"
                default_output_prefix: "x"
                """;
        assertEquals(List.of("capture.interface: must not be empty", "routing_rules[0].ip: \"plc-1\" is not an IP address or CIDR",
                "routing_rules[0].output_prefix: \"a/b\" could escape the output folder (no '/', '\\' or '..')",
                "output_directories.pcap_raw_output_path: is required"), errors(yaml));
    }

    @Test
    void emptyOrMissingFilesAreOneLineErrors() throws IOException {
        assertEquals(List.of(dir.resolve("config.yaml") + ": the configuration is empty"), errors("# nothing\n"));
        assertEquals(List.of(dir.resolve("config.yaml") + ": the configuration must be a mapping of keys, not a list"),
                errors("- a\n- b\n"));
        Path missing = dir.resolve("missing.yaml");
        assertEquals(List.of(missing + ": no such file"),
                assertThrows(ConfigException.class, () -> YamlDocuments.load(missing)).errors());
    }
}
