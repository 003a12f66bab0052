package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forwarder's configuration report: every error of a file in one run, each as what it is. */
class ForwarderCommandLineIT {
    @TempDir
    Path dir;

    /** A typo key, a mistyped address, a port out of range and a bad filter, all in one file. */
    private Path fourErrors() throws Exception {
        return Files.writeString(dir.resolve("f.yaml"), """
                capture:
                  interface: "lo"
                  bpf_filter: "tcp port 50Z"
                default_output_prefix: "host_{src_ip}"
                output_directories:
                  pcap_raw_output_path: "%s"
                forward:
                  enable: true
                  hots: "collector"
                  host: "10.0.0.500"
                  port: 70000
                  protocol: "tcp"
                """.formatted(dir.resolve("never")));
    }

    @Test
    void everyErrorOfTheFileIsReportedInOneRunEachAsWhatItIs() throws Exception {
        Path cfg = fourErrors();
        for (List<String> args : List.of(List.of("--check-config", cfg.toString()), List.of(cfg.toString()))) {
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, args.toArray(String[]::new))) {
                assertEquals(78, fwd.awaitExit(120), fwd.log());
                List<String> lines = fwd.log().lines().toList();
                assertEquals(List.of(
                        "config error: forward.hots: unknown key",
                        "config error: forward.host: \"10.0.0.500\" is not an IP address or name",
                        "config error: forward.port: 70000 is out of range (expected 1..65535)",
                        "config error: capture.bpf_filter: \"tcp port 50Z\" is not a valid BPF filter: unknown port '50Z'"),
                        lines.stream().sorted(ForwarderCommandLineIT::byKeyOrder).toList(), fwd.log());
            }
            assertFalse(Files.exists(dir.resolve("never")), "nothing created");
        }
    }

    @Test
    void aWellFormedNameThatDoesNotResolveIsReportedAsSuch() throws Exception {
        String yaml = Files.readString(fourErrors()).replace("  hots: \"collector\"\n", "")
                .replace("10.0.0.500", "no-such-collector.invalid").replace("70000", "5000").replace("50Z", "502");
        Path cfg = Files.writeString(dir.resolve("g.yaml"), yaml);
        try (DaemonRun check = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", cfg.toString())) {
            assertEquals(78, check.awaitExit(120), check.log());
            assertEquals("config error: forward.host: \"no-such-collector.invalid\" cannot be resolved", check.log().strip());
        }
        // At run time the name may come back (DNS down at boot): 69, for systemd to retry.
        try (DaemonRun run = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString())) {
            assertEquals(69, run.awaitExit(120), run.log());
            assertEquals("error: forward.host: \"no-such-collector.invalid\" cannot be resolved", run.log().strip());
        }
    }

    /** The shared capture block: capture.threads is checked by the forwarder as by sniffer-span-pcap. */
    @Test
    void captureThreadsAreCheckedAsInTheCaptureDaemon() throws Exception {
        String yaml = Files.readString(fourErrors()).replace("  hots: \"collector\"\n", "")
                .replace("10.0.0.500", "127.0.0.1").replace("70000", "5000").replace("50Z", "502");
        Path input = com.secureot.pcap.testing.TestPcaps.writePcap(dir.resolve("in.pcap"), List.of(
                com.secureot.pcap.testing.TestPcaps.Packet.of(1_700_000_000L, 0,
                        com.secureot.pcap.testing.TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 10))), false);
        Path two = Files.writeString(dir.resolve("two.yaml"), yaml.replace("  interface: \"lo\"\n",
                "  interface: \"lo\"\n  threads: 2\n"));
        try (DaemonRun check = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", two.toString())) {
            assertEquals(0, check.awaitExit(120), check.log());
        }
        try (DaemonRun check = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", "-r", input.toString(),
                two.toString())) {
            assertEquals(78, check.awaitExit(120), check.log());
            assertEquals("config error: capture.threads: 2 applies to a live capture only; a replay (-r) reads its "
                    + "file on one thread (set threads to 1 or leave it out)", check.log().strip());
        }
        Path pcap4j = Files.writeString(dir.resolve("pcap4j.yaml"), yaml.replace("  interface: \"lo\"\n",
                "  interface: \"lo\"\n  threads: 3\n  backend: pcap4j\n"));
        try (DaemonRun check = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", pcap4j.toString())) {
            assertEquals(78, check.awaitExit(120), check.log());
            assertEquals("config error: capture.threads: 3 needs the packet ring (PACKET_FANOUT), but capture.backend "
                    + "is \"pcap4j\", which reads on one thread; set backend to \"auto\" or \"ring\", or threads to 1",
                    check.log().strip());
        }
    }

    @Test
    void versionNamesTheProjectVersionAndTheCapturePath() throws Exception {
        Process p = new ProcessBuilder(DaemonRun.java(), "-jar", DaemonJar.FORWARDER.toString(), "--version")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("sniffer-span-forwarder 1.") || out.matches("(?s)sniffer-span-forwarder \\d.*"), out);
        assertTrue(out.contains("capture path: "), out);
    }

    /** Unknown keys first, then the file's order of keys checked at read, then the daemon's own checks. */
    private static int byKeyOrder(String a, String b) {
        return Integer.compare(rank(a), rank(b));
    }

    private static int rank(String line) {
        List<String> order = List.of("forward.hots", "forward.host", "forward.port", "capture.bpf_filter");
        for (int i = 0; i < order.size(); i++) {
            if (line.startsWith("config error: " + order.get(i) + ":")) {
                return i;
            }
        }
        return order.size();
    }
}
