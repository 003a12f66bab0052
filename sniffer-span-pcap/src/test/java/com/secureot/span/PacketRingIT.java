package com.secureot.span;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernel packet ring ({@code capture.backend: auto}) on a veth pair, on both of its native
 * paths: JNA on the {@code java} of the PATH (Java 17 here), the foreign function API on the
 * build's JVM (22+). Its files are compared with what tcpdump captures of the same injection on
 * the same interface, at the same time; drops of a tiny ring and the frames still in the ring at
 * SIGTERM are accounted for.
 */
class PacketRingIT {
    private static final String INJECT = "rg" + ProcessHandle.current().pid() % 100_000 + "i";
    private static final String CAPTURE = "rg" + ProcessHandle.current().pid() % 100_000 + "c";
    private static final Path JAR = SpanDaemon.JAR;

    @TempDir
    Path work;

    @BeforeAll
    static void createVethPair() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a veth pair");
        assumeTrue(run("sh", "-c", "command -v ip && command -v tcpreplay && command -v tcpdump") == 0,
                "needs ip, tcpreplay and tcpdump");
        run("ip", "link", "del", INJECT);
        assertEquals(0, run("ip", "link", "add", INJECT, "type", "veth", "peer", "name", CAPTURE));
        for (String itf : List.of(INJECT, CAPTURE)) {
            // With IPv6 off the kernel sends nothing of its own: what is captured is what was injected.
            assertEquals(0, run("sysctl", "-qw", "net.ipv6.conf." + itf + ".disable_ipv6=1"));
            assertEquals(0, run("ip", "link", "set", itf, "up"));
        }
    }

    @AfterAll
    static void deleteVethPair() throws Exception {
        run("ip", "link", "del", INJECT);
    }

    /**
     * Plain, 802.1Q, QinQ (0x88a8 outer), priority-tagged and VLAN 0 frames, IPv4 and IPv6, some
     * longer than the snaplen, and TCP frames that the filter keeps out (tagged ones too: the
     * kernel filters the frame without its outer tag, for tcpdump as for us).
     */
    private static List<byte[]> taggedTraffic() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int size = 30 + i * 7 % 1200;
            byte[] udp4 = TestPcaps.ipv4("10.0.0." + (1 + i % 5), "10.0.1.1", TestPcaps.payload(size, i));
            byte[] udp6 = TestPcaps.ipv6("fd00::" + (1 + i % 3), "fd00::99", TestPcaps.payload(size, -i));
            byte[] tcp4 = udp4.clone();
            tcp4[9] = 6;
            frames.add(switch (i % 8) {
                case 0 -> TestPcaps.ethernet(0x0800, udp4);
                case 1 -> TestPcaps.ethernetTagged(new int[][] {{0x8100, 0x2000 | 10 + i % 3}}, 0x0800, udp4);
                case 2 -> TestPcaps.ethernetTagged(new int[][] {{0x88A8, 100}, {0x8100, 20}}, 0x0800, udp4);
                case 3 -> TestPcaps.ethernetTagged(new int[][] {{0x8100, 0xA000}}, 0x86DD, udp6); // priority tag
                case 4 -> TestPcaps.ethernetTagged(new int[][] {{0x8100, 0}}, 0x0800, udp4); // TCI 0
                case 5 -> TestPcaps.ethernetTagged(new int[][] {{0x8100, 30}}, 0x0800, tcp4); // filtered out
                case 6 -> TestPcaps.ethernet(0x0800, tcp4); // filtered out
                default -> TestPcaps.arpFrame("10.0.0.1", "10.0.0." + (2 + i % 50));
            });
        }
        return frames;
    }

    @ParameterizedTest
    @ValueSource(strings = {"path", "build"})
    void vlanAndQinQFramesAreStoredByteForByteAsTcpdumpStoresThem(String which) throws Exception {
        String java = java(which);
        int snaplen = 200;
        String filter = "not tcp";
        List<byte[]> frames = taggedTraffic();
        List<Packet> injected = new ArrayList<>();
        for (byte[] f : frames) {
            injected.add(Packet.of(1_700_000_000L, 0, f));
        }
        Path input = TestPcaps.writePcap(work.resolve("tagged.pcap"), injected, false);
        Path out = work.resolve("out");
        Path config = config(out, "  snaplen: " + snaplen + "\n  timestamp_precision: nano\n  bpf_filter: \"" + filter
                + "\"\n");
        Path tcpdumpFile = work.resolve("tcpdump.pcap");
        Process tcpdump = new ProcessBuilder("tcpdump", "-i", CAPTURE, "-s", String.valueOf(snaplen), "-U",
                "--time-stamp-precision=nano", "-w", tcpdumpFile.toString(), filter)
                .redirectError(work.resolve("tcpdump.log").toFile()).start();
        Daemon d = Daemon.start(java, config, work.resolve("daemon.log"));
        try {
            d.awaitLog("capturing on " + CAPTURE, 60);
            Shell.awaitText(work.resolve("tcpdump.log"), "listening on", tcpdump);
            assertEquals(0, run("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString()));
            long kept = frames.stream().filter(f -> !isTcp(f)).count();
            long end = System.currentTimeMillis() + 20_000;
            while (RingTraffic.records(tcpdumpFile) < kept && System.currentTimeMillis() < end) {
                Thread.sleep(100);
            }
        } finally {
            tcpdump.toHandle().destroy();
            assertTrue(tcpdump.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, d.stop(), d.log());
        }
        assertTrue(d.log().contains("capture path: kernel packet ring"), d.log());
        List<Packet> ours = readAll(out);
        TestPcaps.PcapFile theirs = TestPcaps.read(tcpdumpFile);
        assertTrue(theirs.nano());
        List<Packet> expected = new ArrayList<>();
        for (byte[] f : frames) {
            if (!isTcp(f)) {
                expected.add(new Packet(1, 0, 0, f.length, Arrays.copyOf(f, Math.min(f.length, snaplen))));
            }
        }
        assertEquals(expected.size(), theirs.packets().size(), "tcpdump's count (the reference)");
        assertEquals(expected.size(), ours.size(), "frames stored");
        for (int i = 0; i < expected.size(); i++) {
            Packet o = ours.get(i);
            Packet t = theirs.packets().get(i);
            assertArrayEquals(t.data(), o.data(), "frame " + i + ": bytes as tcpdump stored them");
            assertEquals(t.origLen(), o.origLen(), "frame " + i + ": orig_len as tcpdump's");
            assertArrayEquals(expected.get(i).data(), o.data(), "frame " + i + ": as injected, cut at the snaplen");
            assertEquals(expected.get(i).origLen(), o.origLen(), "frame " + i + ": orig_len as injected");
            // Both sockets read the kernel's receive timestamp; allow for one taken per socket.
            long dt = Math.abs((o.sec() - t.sec()) * 1_000_000_000L + o.nanos() - t.nanos());
            assertTrue(dt < 1_000_000, "frame " + i + ": timestamps " + o + " and " + t);
        }
    }

    /**
     * SIGTERM while the kernel still fills a block (a long timeout_ms holds it back): the daemon
     * replaces the filter, waits for the kernel to hand the block over and stores every frame.
     */
    @ParameterizedTest
    @ValueSource(strings = {"path", "build"})
    void framesStillInTheRingAtSigtermAreStored(String which) throws Exception {
        List<Packet> injected = RingTraffic.frames(20_000, 300);
        Path input = TestPcaps.writePcap(work.resolve("in.pcap"), injected, false);
        Path config = config(work.resolve("out"), "  timeout_ms: 3000\n");
        Daemon d = Daemon.start(java(which), config, work.resolve("daemon.log"));
        int exit;
        try {
            d.awaitLog("capturing on " + CAPTURE, 60);
            assertEquals(0, run("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString()));
        } finally {
            exit = d.stop();
        }
        assertEquals(0, exit, d.log());
        Map<String, Long> fin = d.finalSummary();
        assertEquals(injected.size(), fin.get("captured"), d.log());
        assertEquals(injected.size(), fin.get("written"), d.log());
        assertEquals(0, fin.get("kernel_dropped"), d.log());
        assertFalse(d.log().contains("still in the ring"), d.log());
        assertEquals(injected.size(), readAll(work.resolve("out")).size(), "frames in the files");
    }

    /**
     * A 2 MiB ring that the daemon does not read (stopped with SIGSTOP) while 20 MB arrive: what
     * the ring could not hold is counted as kernel_dropped, and every frame is stored or counted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"path", "build"})
    void aTinyRingCountsWhatItCouldNotHoldAsKernelDrops(String which) throws Exception {
        List<Packet> injected = RingTraffic.frames(20_000, 1000);
        Path input = TestPcaps.writePcap(work.resolve("in.pcap"), injected, false);
        Path config = config(work.resolve("out"), "  buffer_size_mb: 1\n");
        Daemon d = Daemon.start(java(which), config, work.resolve("daemon.log"));
        int exit;
        try {
            d.awaitLog("packet ring on " + CAPTURE + ": 2 blocks of 1024 KiB", 60);
            d.awaitLog("capturing on " + CAPTURE, 60);
            assertEquals(0, run("kill", "-STOP", String.valueOf(d.process.pid())));
            try {
                assertEquals(0, run("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString()));
            } finally {
                assertEquals(0, run("kill", "-CONT", String.valueOf(d.process.pid())));
            }
            Thread.sleep(500);
        } finally {
            exit = d.stop();
        }
        assertEquals(0, exit, d.log());
        Map<String, Long> fin = d.finalSummary();
        assertTrue(fin.get("kernel_dropped") > 0, d.log());
        assertTrue(fin.get("captured") > 0, d.log());
        assertEquals(injected.size(), fin.get("captured") + fin.get("kernel_dropped"), "every frame stored or counted: "
                + d.log());
        assertEquals(fin.get("captured"), fin.get("written"), d.log());
        assertEquals(fin.get("written"), (long) readAll(work.resolve("out")).size());
    }

    /**
     * The writers held up (their file system frozen with fsfreeze) while six times the queue
     * arrives: the capture thread keeps the ring's block and waits for a free batch, the kernel's
     * ring holds the rest, and once the file system thaws every frame is stored, none dropped.
     */
    @ParameterizedTest
    @ValueSource(strings = {"path", "build"})
    void withTheWritersHeldUpTheRingHoldsWhatTheFullQueueCannot(String which) throws Exception {
        assumeTrue(run("sh", "-c", "command -v fsfreeze && command -v mkfs.ext4") == 0, "needs fsfreeze and mkfs.ext4");
        String java = java(which);
        Path image = work.resolve("fs.img");
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        assertEquals(0, run("truncate", "-s", "256M", image.toString()));
        assertEquals(0, run("mkfs.ext4", "-q", "-F", image.toString()));
        assertEquals(0, run("mount", "-o", "loop", image.toString(), mnt.toString()));
        try {
            List<Packet> injected = RingTraffic.frames(12_000, 1000); // 12 MB against a 2 MiB queue
            Path input = TestPcaps.writePcap(work.resolve("in.pcap"), injected, false);
            Path out = mnt.resolve("out");
            Path config = config(out, "  buffer_size_mb: 64\n  queue_size_mb: 2\n");
            Daemon d = Daemon.start(java, config, work.resolve("daemon.log"));
            int exit;
            try {
                d.awaitLog("capturing on " + CAPTURE, 60);
                assertEquals(0, run("fsfreeze", "-f", mnt.toString()));
                try {
                    assertEquals(0, run("tcpreplay", "-q", "-i", INJECT, "--topspeed", input.toString()));
                    Thread.sleep(1000); // the writers stay blocked in write(2) or open(2) meanwhile
                } finally {
                    assertEquals(0, run("fsfreeze", "-u", mnt.toString()));
                }
                Thread.sleep(1000);
            } finally {
                exit = d.stop();
            }
            assertEquals(0, exit, d.log());
            Map<String, Long> fin = d.finalSummary();
            assertEquals(0, fin.get("dropped_queue_full"), d.log());
            assertEquals(0, fin.get("kernel_dropped"), d.log());
            assertEquals(injected.size(), fin.get("written"), d.log());
            List<Packet> stored = readAll(out);
            assertEquals(injected.size(), stored.size(), "frames in the files");
            for (int i = 0; i < injected.size(); i++) {
                assertArrayEquals(injected.get(i).data(), stored.get(i).data(), "frame " + i + " in capture order");
            }
        } finally {
            run("fsfreeze", "-u", mnt.toString());
            run("umount", "-l", mnt.toString());
        }
    }

    @Test
    void withoutCapNetRawTheDaemonSaysWhichCapabilityItNeeds() throws Exception {
        Path config = config(work.resolve("out"), "");
        Process p = new ProcessBuilder("setpriv", "--bounding-set", "-net_raw,-net_admin", "java", "-jar",
                JAR.toString(), config.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(69, p.exitValue(), out);
        assertTrue(out.contains("interface \"" + CAPTURE + "\" cannot be opened: socket(AF_PACKET): "), out);
        assertTrue(out.contains("capturing needs CAP_NET_RAW"), out);
    }

    // ---- helpers

    private static boolean isTcp(byte[] frame) {
        int type = (frame[12] & 0xFF) << 8 | frame[13] & 0xFF;
        int at = 14;
        if (type == 0x8100) { // the kernel takes one tag out: a single-tagged frame is filtered as untagged
            type = (frame[16] & 0xFF) << 8 | frame[17] & 0xFF;
            at = 18;
        }
        return type == 0x0800 && frame[at + 9] == 6;
    }

    private String java(String which) throws Exception {
        if (which.equals("path")) {
            return "java";
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        assumeTrue(Runtime.version().feature() >= 22, "the build's JVM is older than 22: no FFM path to test");
        return java;
    }

    private Path config(Path out, String captureExtra) throws IOException {
        Path p = work.resolve("ring-" + System.nanoTime() + ".yaml");
        Files.writeString(p, "capture:\n  interface: \"" + CAPTURE + "\"\n" + captureExtra
                + "default_output_prefix: \"all\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n");
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        return p;
    }

    /** Every record of every file in {@code dir}, files in name order (hours in order). */
    private static List<Packet> readAll(Path dir) throws IOException {
        List<Packet> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                all.addAll(TestPcaps.read(f).packets());
            }
        }
        return all;
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", cmd) + ": exit " + rc + ": " + out);
        }
        return rc;
    }

    /** A daemon with its log in a file. */
    private record Daemon(Process process, Path logFile) {
        static Daemon start(String java, Path config, Path log) throws IOException {
            Process p = new ProcessBuilder(java, "-jar", JAR.toString(), config.toString())
                    .redirectError(log.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return new Daemon(p, log);
        }

        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                return e.toString();
            }
        }

        void awaitLog(String text, int seconds) throws InterruptedException {
            long end = System.currentTimeMillis() + seconds * 1000L;
            while (!log().contains(text)) {
                assertTrue(process.isAlive(), "daemon exited: " + log());
                assertTrue(System.currentTimeMillis() < end, "no \"" + text + "\" within " + seconds + " s: " + log());
                Thread.sleep(50);
            }
        }

        int stop() throws InterruptedException {
            process.toHandle().destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running 60 s after SIGTERM: " + log());
            }
            return process.exitValue();
        }

        Map<String, Long> finalSummary() {
            String line = log().lines().filter(l -> l.contains("final: ")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no final summary: " + log()));
            Map<String, Long> m = new java.util.HashMap<>();
            Matcher x = Pattern.compile("(\\w+)=(-?\\d+)").matcher(line);
            while (x.find()) {
                m.put(x.group(1), Long.parseLong(x.group(2)));
            }
            return m;
        }
    }
}
