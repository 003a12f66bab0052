package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configurations, shared captures and external tools for the integration tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** The shared real captures, or an empty list when the folder is absent. */
    static List<Path> sharedCaptures() throws IOException {
        String dir = System.getProperty("shared.pcaps");
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
    }

    /** A generated capture, nanosecond timestamps, spread over two hours. */
    static Path generatedNanoCapture(Path dir, int packets) throws Exception {
        Path out = dir.resolve("generated-nano.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                "--hours", "2", "--max-size", "1400", "--nano", out.toString());
        return out;
    }

    /** A generated capture (microsecond timestamps) of {@code packets} frames; {@code seed} makes it unique. */
    static Path generatedCapture(Path dir, String name, int packets, int seed) throws Exception {
        Path out = dir.resolve(name);
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                "--hours", "1", "--max-size", "1400", "--seed", String.valueOf(seed), out.toString());
        return out;
    }

    /** Bytes of the PCAP-over-IP stream carrying {@code packets}: global header plus records. */
    static long streamBytes(List<PcapRecords.Packet> packets) {
        long n = 24;
        for (PcapRecords.Packet p : packets) {
            n += 16 + p.data().length;
        }
        return n;
    }

    /** Waits until {@code file} holds at least {@code bytes}; fails past the bound. */
    static void awaitSize(Path file, long bytes, long timeoutSeconds) throws Exception {
        long end = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (!Files.exists(file) || Files.size(file) < bytes) {
            if (System.nanoTime() > end) {
                throw new AssertionError(file + ": " + (Files.exists(file) ? Files.size(file) : 0)
                        + " bytes after " + timeoutSeconds + " s (expected " + bytes + ")");
            }
            Thread.sleep(50);
        }
    }

    /** The frames (bytes and orig_len) as a sorted multiset, for captures whose timestamps differ. */
    static List<String> frames(List<PcapRecords.Packet> packets) {
        List<String> out = new ArrayList<>();
        for (PcapRecords.Packet p : packets) {
            out.add(java.util.HexFormat.of().formatHex(p.data()) + "/" + p.origLen() + "/" + p.linkType());
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** The YAML of a daemon writing to {@code out}; {@code forward} is the forward block, or null. */
    static Path config(Path dir, String name, String itf, Path out, String forward) throws IOException {
        String yaml = "capture:\n  interface: " + itf + "\n  queue_size_mb: 64\n"
                + "routing_rules:\n  - ip: \"10.0.0.0/8\"\n    output_prefix: \"net10_{src_ip}\"\n"
                + "default_output_prefix: \"{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n"
                + "metrics:\n  log_interval_seconds: 0\n"
                + (forward == null ? "" : "forward:\n" + forward.indent(2));
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    static String tcpForward(int port) {
        return "enable: true\nhost: \"127.0.0.1\"\nport: " + port + "\nprotocol: \"tcp\"\n"
                + "reconnect_min_ms: 100\nreconnect_max_ms: 1000\ndrain_timeout_seconds: 10\n";
    }


    /** Every file below {@code dir}, by relative path, with its bytes. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertSameFiles(Path expectedDir, Path actualDir) throws IOException {
        Map<String, byte[]> e = files(expectedDir);
        Map<String, byte[]> a = files(actualDir);
        assertEquals(e.keySet(), a.keySet(), "file names under " + actualDir);
        for (String k : e.keySet()) {
            assertTrue(java.util.Arrays.equals(e.get(k), a.get(k)), k + " differs from sniffer-span-pcap's");
        }
    }

    /** All packets of all local files (each file read with the test's own reader). */
    static List<PcapRecords.Packet> localPackets(Path dir) throws IOException {
        List<PcapRecords.Packet> all = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files(dir).entrySet()) {
            all.addAll(PcapRecords.read(f.getValue(), false));
        }
        return all;
    }

    static boolean hasTool(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, name))) {
                return true;
            }
        }
        return false;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
