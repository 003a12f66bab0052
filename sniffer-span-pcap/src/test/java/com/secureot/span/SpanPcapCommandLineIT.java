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
            bad("\"tcp port 502 or tcp port 102\"", "\"tcp port 502 or\"",
                    "config error: capture.bpf_filter: \"tcp port 502 or\" is not a valid BPF filter: can't parse filter expression: syntax error"),
            bad("\"tcp port 502 or tcp port 102\"", "\"tcp port 50Z\"",
                    "config error: capture.bpf_filter: \"tcp port 50Z\" is not a valid BPF filter: unknown port '50Z'"),
            bad("default_output_prefix: \"traffic_misc\"\n", "default_output_prefix: \"traffic_misc\"\nrotation:\n"
                    + "  timezone: Nowhere/City\n", "config error: rotation.timezone: \"Nowhere/City\""),
            bad("default_output_prefix: \"traffic_misc\"\n", "1: one\n", "config error: "),
            bad("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  threads: 17\n",
                    "config error: capture.threads: 17 is out of range (expected 1..16)"),
            bad("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  threads: 2\n  backend: libpcap\n",
                    "config error: capture.threads: 2 needs the packet ring (PACKET_FANOUT), but capture.backend is "
                            + "\"libpcap\""));

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

    /** A replay reads its file on one thread: capture.threads above 1 is refused rather than ignored. */
    @Test
    void captureThreadsAboveOneWithAReplayExits78NamingTheKey() throws Exception {
        Path input = work.resolve("in.pcap");
        com.secureot.pcap.testing.TestPcaps.writePcap(input, List.of(com.secureot.pcap.testing.TestPcaps.Packet.of(
                1_700_000_000L, 0, com.secureot.pcap.testing.TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 10))), false);
        Path c = config(VALID.replace("  interface: \"eth0\"\n", "  interface: \"eth0\"\n  threads: 2\n"));
        assertEquals(0, SpanDaemon.run(work, c.toString(), "--check-config").exit(), "live, two threads are fine");
        for (List<String> args : List.of(List.of(c.toString(), "--check-config", "-r", input.toString()),
                List.of(c.toString(), "-r", input.toString()))) {
            SpanDaemon.Result r = SpanDaemon.run(work, args.toArray(String[]::new));
            assertEquals(78, r.exit(), args + r.all());
            assertEquals(List.of("config error: capture.threads: 2 applies to a live capture only; a replay (-r) reads "
                    + "its file on one thread (set threads to 1 or leave it out)"), r.errorLines(), r.all());
            assertFalse(Files.exists(out()), "nothing created");
        }
    }

    @Test
    void everyErrorOfAFileIsReportedInOneRun() throws Exception {
        // A typo key, a bad routing prefix and a bad BPF filter: the filter is not hidden behind the others.
        String yaml = VALID.replace("  interface:", "  interfce: \"eth0\"\n  interface:")
                .replace("\"traffic_plc_main\"", "\"../plc\"").replace("tcp port 502 or tcp port 102", "tcp port 50Z");
        for (String check : new String[] {"--check-config", null}) {
            SpanDaemon.Result r = check == null ? SpanDaemon.run(work, config(yaml).toString())
                    : SpanDaemon.run(work, config(yaml).toString(), check);
            assertEquals(78, r.exit(), r.all());
            List<String> lines = r.errorLines();
            assertEquals(3, lines.size(), r.all());
            assertTrue(lines.get(0).startsWith("config error: capture.interfce: unknown key"), r.all());
            assertTrue(lines.get(1).startsWith("config error: routing_rules[0].output_prefix: \"../plc\""), r.all());
            assertTrue(lines.get(2).startsWith("config error: capture.bpf_filter: \"tcp port 50Z\""), r.all());
            assertTrue(lines.get(2).contains("unknown port '50Z'"), "libpcap's own reason: " + lines.get(2));
        }
    }

    @Test
    void captureWithoutTheCapabilitiesNamesThemAndHowToGrantThem() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "dropping to another user needs root");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv");
        Path c = config(VALID.replace("eth0", "lo").replace(" or tcp port 102", ""));
        // Readable by nobody: the work folder is root's (0700) otherwise.
        Path shared = Files.createTempFile("op-nocap", ".yaml");
        try {
            Files.copy(c, shared, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    SpanDaemon.JAR.toAbsolutePath().toString(), shared.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(69, p.waitFor(), out);
            List<String> errors = out.lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, errors.size(), out);
            String e = errors.get(0);
            for (String needed : List.of("interface \"lo\" cannot be opened", "CAP_NET_RAW", "CAP_NET_ADMIN",
                    "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN", "setcap cap_net_raw,cap_net_admin=eip /")) {
                assertTrue(e.contains(needed), needed + " in: " + e);
            }
            assertEquals(1, out.lines().filter(l -> l.contains("cannot be opened")).count(), "printed once:\n" + out);
        } finally {
            Files.deleteIfExists(shared);
        }
    }

    @Test
    void replaySpeedIsAcceptedWithAReplayFileOnly() throws Exception {
        Path pcap = work.resolve("in.pcap");
        com.secureot.pcap.tools.TrafficGenerator.write(pcap, 50, 2, 1, false, 1);
        SpanDaemon.Result paced = SpanDaemon.run(work, config(VALID).toString(), "-r", pcap.toString(),
                "--replay-speed", "1000000");
        assertEquals(0, paced.exit(), paced.all());
        assertTrue(paced.stderr().contains("final: captured=50 "), paced.all());
        SpanDaemon.Result alone = SpanDaemon.run(work, config(VALID).toString(), "--replay-speed", "2");
        assertEquals(64, alone.exit(), alone.all());
        assertEquals(List.of("error: --replay-speed needs --read-file"), alone.errorLines());
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
        // Once: an ERROR log line as well would show twice in the journal.
        assertEquals(1, r.stderr().lines().filter(l -> l.contains("nosuchif9")).count(), r.all());
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

    private static boolean insideGitCheckout() throws Exception {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--is-inside-work-tree")
                    .directory(Path.of(System.getProperty("basedir", ".")).toFile()).redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes()).strip();
            return git.waitFor() == 0 && out.equals("true");
        } catch (IOException e) {
            return false; // no git installed: the build could not name a commit either
        }
    }

    @Test
    void versionAndHelpExit0() throws Exception {
        SpanDaemon.Result v = SpanDaemon.run(work, "--version");
        assertEquals(0, v.exit(), v.all());
        assertTrue(v.stdout().startsWith("sniffer-span-pcap "), v.all());
        // The project version the build wrote into the jar, the Java and the capture path this JVM takes.
        assertTrue(v.stdout().lines().findFirst().orElseThrow().matches("sniffer-span-pcap \\d+\\.\\d+\\.\\d+\\S*( \\(commit \\S+\\))?"),
                v.all());
        // The daemon's own Java (it may differ from the test's), and the path that Java takes: on Linux the ring.
        assertTrue(v.stdout().lines().anyMatch(l -> l.startsWith("Java ")), v.all());
        assertTrue(v.stdout().contains("capture path: kernel packet ring (TPACKET_V3)"), v.all());
        assertFalse(v.stdout().contains("development build"), v.all());
        // Built from a git checkout (as here, unless the sources came without .git): the commit is named.
        if (insideGitCheckout()) {
            assertTrue(v.stdout().lines().findFirst().orElseThrow().matches(".* \\(commit \\S+\\)"), v.all());
        }
        SpanDaemon.Result h = SpanDaemon.run(work, "--help");
        assertEquals(0, h.exit(), h.all());
        for (String code : List.of("0", "64", "69", "70", "78")) {
            assertTrue(h.stdout().lines().anyMatch(l -> l.trim().startsWith(code + " ")), code + " in\n" + h.stdout());
        }
        assertTrue(h.stdout().contains("--read-file") && h.stdout().contains("--check-config"), h.stdout());
    }
}
