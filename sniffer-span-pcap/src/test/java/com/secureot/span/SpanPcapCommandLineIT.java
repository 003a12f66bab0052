package com.secureot.span;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line contract: exit codes, one-line errors naming the key, nothing created on error. */
class SpanPcapCommandLineIT {
    @TempDir
    Path work;

    private Path out() {
        return work.resolve("never-created");
    }

    private Path config(String yaml) throws IOException {
        Path c = work.resolve("c" + System.nanoTime() + ".yaml");
        Files.writeString(c, yaml.replace("OUT", out().toString()));
        return c;
    }

    private static final String VALID = """
            capture:
              interface: "eth0"
              bpf_filter: "tcp port 502 or tcp port 102"
            routing_rules:
              - ip: "192.168.1.10"
                output_prefix: "traffic_plc_main"
            default_output_prefix: "traffic_misc"
            output_directories:
              pcap_raw_output_path: "OUT"
            """;

    private record BadConfig(String yaml, String expectedLine) {
    }

    private static BadConfig bad(String from, String to, String expectedLine) {
        assertTrue(VALID.contains(from), from);
        return new BadConfig(VALID.replace(from, to), expectedLine);
    }

    private static final List<BadConfig> BAD = List.of(
            bad("    output_prefix: \"traffic_plc_main\"\n", "    output_prefix: \"traffic_plc_main\"\n"
                    + "  - ip: \"192.168.1.300\"\n    output_prefix: \"plc2\"\n",
                    "config error: routing_rules[1].ip: \"192.168.1.300\" is not an IP address or CIDR"),
            bad("  interface:", "  interfce:", "config error: capture.interfce: unknown key"),
            bad("default_output_prefix: \"traffic_misc\"", "default_output_prefix: [\"traffic_misc\"",
                    " line "),
            bad("\"traffic_plc_main\"", "\"../../etc/traffic\"",
                    "config error: routing_rules[0].output_prefix: \"../../etc/traffic\" could escape the output folder"),
            bad("\"traffic_misc\"", "\"/var/tmp/x\"", "config error: default_output_prefix: \"/var/tmp/x\" could escape"),
            bad("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  snaplen: lots\n",
                    "config error: capture.snaplen: \"lots\" is not an integer"),
            bad("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  promiscuous: 3\n",
                    "config error: capture.promiscuous: 3 is not true or false"),
            bad("\"tcp port 502 or tcp port 102\"", "\"tcp port 502 or\"", "config error: capture.bpf_filter: \"tcp port 502 or\""),
            bad("default_output_prefix: \"traffic_misc\"\n", "default_output_prefix: \"traffic_misc\"\nrotation:\n"
                    + "  timezone: Nowhere/City\n", "config error: rotation.timezone: \"Nowhere/City\""),
            bad("default_output_prefix: \"traffic_misc\"\n", "1: one\n", "config error: "));

    @Test
    void eachBadConfigurationExits78WithOneLineNamingTheKeyAndCreatesNothing() throws Exception {
        for (BadConfig b : BAD) {
            Path c = config(b.yaml());
            for (List<String> args : List.of(List.of(c.toString(), "--check-config"), List.of(c.toString()),
                    List.of(c.toString(), "-r", "/nonexistent.pcap"))) {
                SpanDaemon.Result r = SpanDaemon.run(work, args.toArray(String[]::new));
                assertEquals(78, r.exit(), args + "\n" + b.yaml() + r.all());
                List<String> lines = r.errorLines();
                // One line per error (a misspelt required key is two: unknown, and missing).
                assertTrue(lines.size() >= 1 && lines.size() <= 2, r.all());
                assertTrue(lines.stream().allMatch(l -> l.startsWith("config error: ")), r.all());
                assertTrue(lines.stream().anyMatch(l -> l.contains(b.expectedLine())),
                        lines + " should contain " + b.expectedLine());
                assertFalse(r.stderr().contains("\tat "), "no stack trace: " + r.stderr());
                assertFalse(Files.exists(out()), "created " + out() + " for " + b.expectedLine());
            }
        }
    }

    @Test
    void anOutputFolderThatIsAFileIsAConfigurationError() throws Exception {
        Files.write(out(), new byte[0]);
        SpanDaemon.Result r = SpanDaemon.run(work, config(VALID).toString(), "--check-config");
        assertEquals(78, r.exit(), r.all());
        assertTrue(r.stderr().contains("output_directories.pcap_raw_output_path"), r.all());
    }

    @Test
    void aValidConfigurationChecksOkWithoutCreatingTheFolder() throws Exception {
        SpanDaemon.Result r = SpanDaemon.run(work, config(VALID).toString(), "--check-config");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.stdout().contains("configuration OK"), r.all());
        assertFalse(Files.exists(out()));
    }

    @Test
    void aMissingConfigurationFileExits78NamingIt() throws Exception {
        SpanDaemon.Result r = SpanDaemon.run(work, work.resolve("absent.yaml").toString());
        assertEquals(78, r.exit(), r.all());
        assertEquals(List.of("config error: " + work.resolve("absent.yaml") + ": no such file"), r.errorLines());
    }

    @Test
    void aMissingInterfaceExits69NamingItAndCreatesNothing() throws Exception {
        SpanDaemon.Result r = SpanDaemon.run(work, config(VALID.replace("eth0", "nosuchif9")).toString());
        assertEquals(69, r.exit(), r.all());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), r.all());
        assertTrue(lines.get(0).contains("\"nosuchif9\""), lines.get(0));
        assertFalse(Files.exists(out()));
    }

    @Test
    void anUnreadableReplayFileExits64() throws Exception {
        Path garbage = work.resolve("garbage.pcap");
        Files.writeString(garbage, "this is not a capture");
        SpanDaemon.Result r = SpanDaemon.run(work, config(VALID).toString(), "-r", garbage.toString());
        assertEquals(64, r.exit(), r.all());
        assertTrue(r.stderr().contains("not a pcap or pcapng file"), r.all());
        SpanDaemon.Result missing = SpanDaemon.run(work, config(VALID).toString(), "-r", "/nonexistent.pcap");
        assertEquals(64, missing.exit(), missing.all());
        assertTrue(missing.stderr().contains("/nonexistent.pcap"), missing.all());
    }

    @Test
    void commandLineErrorsExit64WithUsage() throws Exception {
        for (List<String> args : List.of(List.<String>of(), List.of("--bogus", "x.yaml"), List.of("a.yaml", "b.yaml"),
                List.of("a.yaml", "-r"))) {
            SpanDaemon.Result r = SpanDaemon.run(work, args.toArray(String[]::new));
            assertEquals(64, r.exit(), args + r.all());
            assertTrue(r.stderr().startsWith("error: "), r.all());
            assertTrue(r.stderr().contains("Usage: sniffer-span-pcap"), r.all());
        }
    }

    @Test
    void versionAndHelpExit0() throws Exception {
        SpanDaemon.Result v = SpanDaemon.run(work, "--version");
        assertEquals(0, v.exit(), v.all());
        assertTrue(v.stdout().startsWith("sniffer-span-pcap "), v.all());
        SpanDaemon.Result h = SpanDaemon.run(work, "--help");
        assertEquals(0, h.exit(), h.all());
        for (String code : List.of("0", "64", "69", "70", "78")) {
            assertTrue(h.stdout().lines().anyMatch(l -> l.trim().startsWith(code + " ")), code + " in\n" + h.stdout());
        }
        assertTrue(h.stdout().contains("--read-file") && h.stdout().contains("--check-config"), h.stdout());
    }
}
