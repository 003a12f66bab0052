package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import com.secureot.pcap.testing.TestPcaps.PcapFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The forwarder jar replays a capture ({@code -r}) into the collector jar on loopback, over TCP
 * (PCAP-over-IP) and over UDP (SOT1). The collector is stopped with SIGTERM, and its files must
 * hold exactly the forwarder's input: every packet's bytes, timestamp (sec + nanos), orig_len and
 * link type, in order, in the file of the packet's hour.
 */
class ForwarderToCollectorIT {
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMdd_HH").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    static Stream<Arguments> sharedCapturesByProtocol() throws IOException {
        Path shared = Path.of(System.getProperty("shared.pcaps", "../../shared/pcaps"));
        TestPcaps.assumeRealCaptures(Files.isDirectory(shared), "no folder " + shared.toAbsolutePath());
        List<Path> files;
        try (Stream<Path> s = Files.list(shared)) {
            files = s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
        assumeTrue(!files.isEmpty(), "no .pcap in " + shared);
        return files.stream().flatMap(f -> Stream.of(Arguments.of(f.getFileName().toString(), f, "tcp"),
                Arguments.of(f.getFileName().toString(), f, "udp")));
    }

    @ParameterizedTest(name = "{0} over {2}")
    @MethodSource("sharedCapturesByProtocol")
    void sharedCaptureArrivesExactly(String name, Path capture, String protocol) throws Exception {
        forwardAndCompare(capture, protocol);
    }

    @ParameterizedTest(name = "50 000 generated nanosecond packets over {0}")
    @ValueSource(strings = {"tcp", "udp"})
    void generatedNanosecondCaptureArrivesExactly(String protocol) throws Exception {
        Path capture = dir.resolve("generated-nano.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", "50000", "--hosts", "50", "--hours", "2",
                "--max-size", "1400", "--nano", capture.toString());
        forwardAndCompare(capture, protocol);
    }

    private void forwardAndCompare(Path capture, String protocol) throws Exception {
        PcapFile input = TestPcaps.read(capture);
        try (Collector collector = new Collector(dir, protocol)) {
            List<String> args = new ArrayList<>(List.of("-r", capture.toString()));
            if ("udp".equals(protocol)) {
                // UDP has no flow control: at full speed the forwarder outruns the collector's socket
                // buffer on this 2-core machine (docs/performance.md). A sensor's link paces its packets,
                // so the test paces the replay too: the whole capture in about 3 seconds.
                args.addAll(List.of("--replay-speed", String.valueOf(paceFor(input.packets()))));
            }
            args.add(forwarderConfig(collector).toString());
            try (DaemonRun forwarder = DaemonRun.start(DaemonJar.FORWARDER, args.toArray(String[]::new))) {
                assertEquals(0, forwarder.awaitExit(300), "forwarder exit status; log:\n" + forwarder.log());
                // UDP reports what it can know, datagrams sent; TCP the packets the collector's stream took.
                assertEquals(input.packets().size(), forwarder.finalFigure("udp".equals(protocol) ? "sent" : "forwarded"),
                        forwarder.lastLine("final: "));
            }

            collector.awaitReceived(input.packets().size(), 60);
            assertEquals(0, collector.stop(), "collector exit status after SIGTERM; log:\n" + collector.log());

            assertCollectorFilesHold(input, collector);
            if ("udp".equals(protocol)) {
                assertEquals(0, collector.finalTotal("sot1_gaps"), "SOT1 gaps in the final summary:\n" + collector.log());
                assertEquals(0, collector.finalOfSender("127.0.0.1", "sot1_gaps"), collector.log());
                assertEquals(input.packets().size(), collector.finalOfSender("127.0.0.1", "packets"), collector.log());
            }
        }
    }

    /**
     * The collector's files must hold the input, the packets of each UTC hour in
     * {@code <prefix>_<YYYYmmdd>_<HH>.pcap} and, read on in part order, its {@code -1}, {@code -2}...
     * parts: the collector seals a file within a minute once the wall clock has left its hour, so
     * packets of a past hour that keep coming (a paced replay of an old capture) go to further parts.
     */
    private static void assertCollectorFilesHold(PcapFile input, Collector collector) throws IOException {
        String prefix = Collector.PREFIX.replace("{sender_ip}", "127.0.0.1");
        Map<String, List<Packet>> expected = new TreeMap<>();
        for (Packet p : input.packets()) {
            expected.computeIfAbsent(HOUR.format(Instant.ofEpochSecond(p.sec())), k -> new ArrayList<>()).add(p);
        }
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "_(\\d{8}_\\d{2})(?:-([1-9]\\d*))?\\.pcap");
        Map<String, TreeMap<Integer, Path>> partsByHour = new TreeMap<>();
        try (Stream<Path> s = Files.list(collector.out)) {
            // The collector's SOT1 sequence state (a dot file) sits next to its captures.
            for (Path f : s.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    throw new AssertionError("unexpected file " + f.getFileName() + " (expected " + prefix
                            + "_<YYYYmmdd>_<HH>[-<n>].pcap)");
                }
                int part = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                partsByHour.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(part, f);
            }
        }
        assertEquals(expected.keySet(), partsByHour.keySet(), "hours of the collector's files; log:\n" + collector.log());
        for (Map.Entry<String, List<Packet>> e : expected.entrySet()) {
            TreeMap<Integer, Path> parts = partsByHour.get(e.getKey());
            assertEquals(parts.size() - 1, parts.lastKey(), e.getKey() + ": parts numbered without a hole: " + parts.keySet());
            List<Packet> stored = new ArrayList<>();
            for (Path f : parts.values()) {
                PcapFile file = TestPcaps.read(f);
                assertEquals(input.linkType(), file.linkType(), f.getFileName() + ": link type");
                if ("tcp".equals(collector.protocol)) {
                    // A pcap stream keeps its precision; SOT1 carries nanoseconds, stored in nanosecond files.
                    assertEquals(input.nano(), file.nano(), f.getFileName() + ": nanosecond magic");
                } else {
                    assertTrue(file.nano(), f.getFileName() + ": SOT1 packets are stored in nanosecond files");
                }
                stored.addAll(file.packets());
            }
            TestPcaps.assertSamePackets(e.getValue(), stored, prefix + " hour " + e.getKey() + " " + parts.keySet());
        }
    }


    /** A replay speed that plays {@code packets} in about 3 seconds (never slower than real time). */
    private static double paceFor(List<Packet> packets) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Packet p : packets) {
            long ns = p.sec() * 1_000_000_000L + p.nanos();
            first = Math.min(first, ns);
            last = Math.max(last, ns);
        }
        return Math.max(1.0, (last - first) / (double) TimeUnit.SECONDS.toNanos(3));
    }

    private Path forwarderConfig(Collector collector) throws IOException {
        Path config = dir.resolve("forwarder.yaml");
        // The forwarding queue (half of 256 MiB) holds a whole test capture, so a replay that reads
        // faster than the socket drains never drops for queue_full.
        Files.writeString(config, ForwarderYaml.replayTo(dir.resolve("forwarder-out"), 256, collector.port,
                collector.protocol));
        return config;
    }
}
