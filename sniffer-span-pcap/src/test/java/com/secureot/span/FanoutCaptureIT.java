package com.secureot.span;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code capture.threads} above 1 on a veth pair: several packet ring sockets in one fanout group,
 * each on its own capture thread, all into the same writers. Real captures are injected by
 * tcpreplay while tcpdump captures the same interface; both sets of files are read back by tshark:
 * the same frames, and every flow's frames in the same order. The counters add up over the
 * sockets, kernel drops of every socket included, and SIGTERM leaves nothing in any ring.
 */
class FanoutCaptureIT {
    private static final String INJECT = "vf" + ProcessHandle.current().pid() % 100_000 + "i";
    private static final String CAPTURE = "vf" + ProcessHandle.current().pid() % 100_000 + "c";
    private static final Path PCAPS = Path.of(System.getProperty("shared.pcaps", "../shared/pcaps"));
    /** UDP (BACnet, 91 conversations), TCP (DNP3, EtherNet/IP) and non-IP frames. */
    private static final List<String> REAL = List.of("bacnet_example.pcap", "dnp3_example.pcap",
            "enip_cip_example.pcap");

    @TempDir
    Path work;

    @BeforeAll
    static void createVethPair() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a veth pair");
        assumeTrue(Stream.of("ip", "tcpreplay", "tcpdump", "tshark", "capinfos").allMatch(Shell::onPath),
                "needs ip, tcpreplay, tcpdump, tshark and capinfos");
        Shell.sh(-1, "ip", "link", "del", INJECT);
        DaemonRun.command("ip", "link", "add", INJECT, "type", "veth", "peer", "name", CAPTURE);
        for (String itf : List.of(INJECT, CAPTURE)) {
            // With IPv6 off the kernel sends nothing of its own: what is captured is what was injected.
            DaemonRun.command("sysctl", "-qw", "net.ipv6.conf." + itf + ".disable_ipv6=1");
            DaemonRun.command("ip", "link", "set", itf, "up");
        }
    }

    @AfterAll
    static void deleteVethPair() throws Exception {
        Shell.sh(-1, "ip", "link", "del", INJECT);
    }

    /**
     * Per-source-IP files, so that each file is fed by several capture threads. tshark reads our
     * files and tcpdump's: the multiset of frames is the same, and for each flow (one direction of
     * one 5-tuple, or a non-IP frame's addresses and type) the frames come in tcpdump's order.
     */
    @ParameterizedTest(name = "{0} java, {1} threads")
    @CsvSource({"path, 2", "build, 4"})
    void everyFrameIsStoredAsTcpdumpStoresItWithEachFlowInOrder(String which, int threads) throws Exception {
        List<Path> inputs = REAL.stream().map(PCAPS::resolve).toList();
        TestPcaps.assumeRealCaptures(inputs.stream().allMatch(Files::isReadable),
                "not all of " + REAL + " in " + PCAPS.toAbsolutePath());
        long injected = 0;
        for (Path p : inputs) {
            injected += TestPcaps.read(p).packets().size();
        }
        Path out = work.resolve("out");
        Path config = config(out, "  threads: " + threads + "\n  buffer_size_mb: 4\n", "host_{src_ip}");
        Path tcpdumpFile = work.resolve("tcpdump.pcap");
        Process tcpdump = new ProcessBuilder("tcpdump", "-i", CAPTURE, "-U", "-w", tcpdumpFile.toString())
                .redirectError(work.resolve("tcpdump.log").toFile()).start();
        long fromTcpdump;
        try (DaemonRun d = DaemonRun.start(java(which), SpanDaemon.JAR, config.toString())) {
            try {
                d.awaitLine("capturing on " + CAPTURE, 60);
                Shell.awaitText(work.resolve("tcpdump.log"), "listening on", tcpdump);
                List<String> cmd = new ArrayList<>(List.of("tcpreplay", "-q", "-i", INJECT, "--topspeed"));
                inputs.forEach(p -> cmd.add(p.toString()));
                DaemonRun.command(cmd.toArray(String[]::new));
                long end = System.currentTimeMillis() + 30_000;
                // Once tcpdump has read a frame, the kernel has put it in our rings too (the same
                // pass over the interface's packet sockets); SIGTERM reads the rings to the end.
                while (RingTraffic.records(tcpdumpFile) < injected && System.currentTimeMillis() < end) {
                    Thread.sleep(100);
                }
            } finally {
                tcpdump.toHandle().destroy();
                assertTrue(tcpdump.waitFor(20, TimeUnit.SECONDS));
            }
            assertEquals(0, d.stop(60), d.log());
            fromTcpdump = RingTraffic.records(tcpdumpFile);
            assertEquals(injected, fromTcpdump, "tcpdump's count (the reference)");
            assertTrue(d.log().contains(threads + " sockets in fanout group"), d.log());
            List<Long> perSocket = perSocketFrames(d);
            assertEquals(threads, perSocket.size(), d.log());
            assertTrue(perSocket.stream().allMatch(n -> n > 0), "every socket had a share of the flows: " + perSocket);
            assertEquals(injected, perSocket.stream().mapToLong(Long::longValue).sum(), d.log());
            assertEquals(injected, d.finalFigure("captured"), "summed over the capture threads: " + d.log());
            assertEquals(injected, d.finalFigure("written"), d.log());
            assertEquals(0, d.finalFigure("kernel_dropped"), d.log());
        }
        List<Frame> theirs = tshark(tcpdumpFile);
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.sorted().toList();
        }
        assertTrue(files.size() > 10, "per-source-IP files: " + files);
        // Every file whole for Wireshark's reader; then their records, file after file, in one
        // file for one tshark run (a flow's direction has one source address: it is in one file).
        List<String> capinfos = new ArrayList<>(List.of("capinfos", "-c", "-M"));
        files.forEach(f -> capinfos.add(f.toString()));
        DaemonRun.command(capinfos.toArray(String[]::new));
        Path all = work.resolve("ours.pcap");
        byte[] header = Arrays.copyOf(Files.readAllBytes(files.get(0)), 24);
        try (var o = Files.newOutputStream(all)) {
            o.write(header);
            for (Path f : files) {
                byte[] b = Files.readAllBytes(f);
                assertArrayEquals(header, Arrays.copyOf(b, 24), f + ": the same link type, precision and snaplen");
                TestPcaps.records(b).forEach(r -> write(o, r));
            }
        }
        List<Frame> ours = tshark(all);
        assertEquals(theirs.stream().map(Frame::md5).sorted().toList(), ours.stream().map(Frame::md5).sorted().toList(),
                "the same frames as tcpdump's, byte for byte");
        Map<String, List<String>> theirFlows = flows(theirs);
        Map<String, List<String>> ourFlows = flows(ours);
        assertTrue(theirFlows.size() > 100, "many flows: " + theirFlows.size());
        assertEquals(theirFlows.keySet(), ourFlows.keySet());
        for (Map.Entry<String, List<String>> e : theirFlows.entrySet()) {
            assertEquals(e.getValue(), ourFlows.get(e.getKey()), "flow " + e.getKey() + ": frames in tcpdump's order");
        }
    }

    /**
     * SIGTERM while the kernel still fills a block of each of four rings (a long timeout_ms holds
     * them back): every capture thread replaces its filter and reads its ring to the end.
     */
    @Test
    void framesStillInEveryRingAtSigtermAreStored() throws Exception {
        List<Packet> injected = RingTraffic.frames(20_000, 300);
        Path input = TestPcaps.writePcap(work.resolve("in.pcap"), injected, false);
        Path out = work.resolve("out");
        Path config = config(out, "  threads: 4\n  buffer_size_mb: 4\n  timeout_ms: 3000\n", "all");
        try (DaemonRun d = DaemonRun.start("java", SpanDaemon.JAR, config.toString())) {
            d.awaitLine("capturing on " + CAPTURE, 60);
            DaemonRun.command("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString());
            assertEquals(0, d.stop(60), d.log());
            assertEquals(injected.size(), d.finalFigure("captured"), d.log());
            assertEquals(injected.size(), d.finalFigure("written"), d.log());
            assertEquals(0, d.finalFigure("kernel_dropped"), d.log());
            assertFalse(d.log().contains("still in the ring"), d.log());
            List<Long> perSocket = perSocketFrames(d);
            assertTrue(perSocket.size() == 4 && perSocket.stream().allMatch(n -> n > 0), d.log());
        }
        assertEquals(injected.size(), TestPcaps.recordsUnder(out).size(), "frames in the files");
    }

    /**
     * Two 2 MiB rings that the daemon does not read (SIGSTOP) while 20 MB arrive over 200 sources:
     * what either ring could not hold is counted, so stored + kernel_dropped is every frame.
     */
    @Test
    void kernelDropsOfEverySocketAreCounted() throws Exception {
        List<Packet> injected = RingTraffic.frames(20_000, 1000);
        Path input = TestPcaps.writePcap(work.resolve("in.pcap"), injected, false);
        Path out = work.resolve("out");
        Path config = config(out, "  threads: 2\n  buffer_size_mb: 1\n", "all");
        try (DaemonRun d = DaemonRun.start(SpanDaemon.JAR, config.toString())) {
            d.awaitLine("2 sockets in fanout group", 60);
            d.awaitLine("capturing on " + CAPTURE, 60);
            DaemonRun.command("kill", "-STOP", String.valueOf(d.pid()));
            try {
                DaemonRun.command("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString());
            } finally {
                DaemonRun.command("kill", "-CONT", String.valueOf(d.pid()));
            }
            assertEquals(0, d.stop(60), d.log());
            long captured = d.finalFigure("captured");
            long dropped = d.finalFigure("kernel_dropped");
            List<Long> perSocket = perSocketFrames(d);
            assertTrue(dropped > 0, d.log());
            // Each ring held at most its two blocks: both sockets must have dropped for the sum to be this large.
            assertTrue(perSocket.size() == 2 && perSocket.stream().allMatch(n -> n > 0), d.log());
            assertEquals(injected.size(), captured + dropped, "every frame stored or counted: " + d.log());
            assertEquals(captured, d.finalFigure("written"), d.log());
            assertEquals(captured, TestPcaps.recordsUnder(out).size());
        }
    }

    // ---- helpers

    /** One frame as tshark reads it: its MD5 and the flow it belongs to. */
    private record Frame(String md5, String flow) {
    }

    /**
     * tshark's reading of {@code pcap} (a file it cannot read fails the test): per frame its MD5 and
     * its flow: source and destination address, protocol and ports, or for a non-IP frame its MAC
     * addresses and EtherType. A flow is never split between sockets by the kernel's flow hash.
     */
    private static List<Frame> tshark(Path pcap) throws Exception {
        String out = DaemonRun.command("tshark", "-n", "-r", pcap.toString(), "-o", "frame.generate_md5_hash:TRUE",
                "-o", "ip.defragment:FALSE", "-T", "fields", "-E", "separator=|", "-e", "frame.md5_hash",
                "-e", "eth.src", "-e", "eth.dst", "-e", "eth.type", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto",
                "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport");
        List<Frame> frames = new ArrayList<>();
        for (String line : out.lines().filter(l -> l.matches("^[0-9a-f]{32}\\|.*")).toList()) {
            String[] f = line.split("\\|", -1);
            String flow = f[4].isEmpty() ? "mac " + f[1] + " " + f[2] + " " + f[3]
                    : "ip " + f[4] + " " + f[5] + " " + f[6] + " " + f[7] + f[9] + " " + f[8] + f[10];
            frames.add(new Frame(f[0], flow));
        }
        return frames;
    }

    private static void write(java.io.OutputStream o, byte[] b) {
        try {
            o.write(b);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, List<String>> flows(List<Frame> frames) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Frame f : frames) {
            m.computeIfAbsent(f.flow(), k -> new ArrayList<>()).add(f.md5());
        }
        return m;
    }

    /** The frames each socket read, from the daemon's line at stop. */
    private static List<Long> perSocketFrames(DaemonRun d) {
        String line = d.lastLine("frames read by the ");
        List<Long> n = new ArrayList<>();
        for (String part : line.substring(line.indexOf(": ", line.indexOf("frames read by")) + 2).split(", ")) {
            n.add(Long.parseLong(part.trim()));
        }
        return n;
    }

    private String java(String which) {
        if (which.equals("path")) {
            return "java";
        }
        assumeTrue(Runtime.version().feature() >= 22, "the build's JVM is older than 22: no FFM path to test");
        return DaemonRun.java();
    }

    private Path config(Path out, String captureExtra, String prefix) throws IOException {
        Path p = work.resolve("fanout-" + System.nanoTime() + ".yaml");
        Files.writeString(p, "capture:\n  interface: \"" + CAPTURE + "\"\n" + captureExtra
                + "default_output_prefix: \"" + prefix + "\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n");
        return p;
    }
}
