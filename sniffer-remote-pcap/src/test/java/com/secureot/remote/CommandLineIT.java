package com.secureot.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collector jar's command-line contract: exit codes and one-line errors. */
class CommandLineIT {
    @TempDir
    Path dir;

    record Result(int status, String output) {
    }

    Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(CollectorProcess.javaBin(), "-jar",
                CollectorProcess.JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), out);
    }

    Path config(String yaml) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    String earlier(int port) {
        return "port: " + port + "\nprotocol: \"tcp\"\nrouting_rules:\n  - ip: \"192.168.50.100\"\n"
                + "    output_prefix: \"remote_sender_site_a\"\ndefault_output_prefix: \"remote_misc_traffic\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + dir.resolve("out") + "\"\n";
    }

    @Test
    void checkConfigAcceptsTheEarlierCollectorsFile() throws Exception {
        Result r = run(config(earlier(5000)).toString(), "--check-config");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("configuration OK"), r.output());
    }

    @Test
    void badKeysExit78WithOneLineEach() throws Exception {
        Result r = run(config(earlier(5000) + "bind_address: \"::1::2\"\nlimits: {max_conections: 3}\n").toString(),
                "--check-config");
        assertEquals(78, r.status(), r.output());
        assertTrue(r.output().contains("config error: bind_address: \"::1::2\" is not an IP address"), r.output());
        assertTrue(r.output().contains("config error: limits.max_conections: unknown key"), r.output());
        assertTrue(!r.output().contains("\tat "), r.output());
    }

    @Test
    void aPortInUseExits69SayingSo() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            Result r = run(config(earlier(taken.getLocalPort())).toString());
            assertEquals(69, r.status(), r.output());
            assertTrue(r.output().contains("cannot listen on tcp 0.0.0.0:" + taken.getLocalPort()), r.output());
            // Once, as an error: line, not also as an ERROR log line: the journal would show it twice.
            assertEquals(1, r.output().lines().filter(l -> l.contains("cannot listen on tcp")).count(), r.output());
            assertTrue(r.output().lines().anyMatch(l -> l.startsWith("error: ")), r.output());
        }
    }

    @Test
    void versionNamesTheProjectVersionAndHelpPromisesNoBpfFilter() throws Exception {
        Result v = run("--version");
        assertEquals(0, v.status(), v.output());
        assertTrue(v.output().matches("(?s)sniffer-remote-pcap \\d+\\.\\d+\\.\\d+\\S*\\s.*Java \\d+.*"), v.output());
        assertFalse(v.output().contains("development build"), v.output());
        Result help = run("--help");
        assertEquals(0, help.status(), help.output());
        assertFalse(help.output().contains("BPF"), "the collector has no BPF filter:\n" + help.output());
        assertTrue(help.output().contains("--check-config"), help.output());
    }

    @Test
    void theFinalSummaryShowsNoCaptureCounters() throws Exception {
        Files.createDirectories(dir.resolve("out"));
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path log = dir.resolve("collector.log");
        Process p = new ProcessBuilder(CollectorProcess.javaBin(), "-jar", CollectorProcess.JAR.toAbsolutePath().toString(),
                config(earlier(port)).toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(log).contains("listening on tcp") && p.isAlive() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertTrue(Files.readString(log).contains("listening on tcp"), Files.readString(log));
        } finally {
            p.destroy(); // SIGTERM
        }
        assertEquals(0, p.waitFor(), Files.readString(log));
        String last = Files.readString(log).lines().filter(l -> l.contains("final: tcp_packets=")).findFirst()
                .orElseThrow(() -> new AssertionError("no final summary:\n" + log));
        // The collector captures nothing itself: the kernel's and the NIC's drop counters mean nothing here.
        assertFalse(last.contains("kernel_dropped") || last.contains("if_dropped"), last);
        assertTrue(last.contains("written=0"), last);
    }

    @Test
    void aBadCommandLineExits64() throws Exception {
        assertEquals(64, run("--no-such-option").status());
        Result help = run("--help");
        assertEquals(0, help.status());
        assertTrue(help.output().contains("69"), help.output());
    }
}
