package com.secureot.span;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.secureot.span.Shell.onPath;
import static com.secureot.span.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16: {@code kill -9} at chosen points of a replay and of a live capture, then a restart:
 * the restart repairs what the killed run left torn (and what older versions left: a file without
 * header, an empty file), writes its own packets into new parts, and afterwards every file reads
 * whole with capinfos and tshark. The kill points are progress (files present, bytes on disk), not
 * sleeps, so the kill lands mid-run on fast and slow machines alike.
 */
class CrashRepairIT {
    private static final Path JAR = SpanDaemon.JAR;
    private static final int REPLAYED = 600_000;
    private static final Pattern COUNT = Pattern.compile("File name:\\s+(\\S+)\\s+Number of packets:\\s+(\\d+)");

    @TempDir
    static Path shared;
    private static Path input;

    @TempDir
    Path work;

    @BeforeAll
    static void generate() throws Exception {
        assumeTrue(onPath("capinfos") && onPath("tshark"), "needs capinfos and tshark");
        input = shared.resolve("in.pcap");
        // 30 hours of 20 hosts: about 620 files, created as the replay moves through the hours.
        DaemonRun.command(DaemonRun.java(), "-cp", JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", String.valueOf(REPLAYED), "--hosts", "20", "--hours", "30", "--max-size", "600",
                input.toString());
    }

    @ParameterizedTest(name = "kill -9 once {0} files exist")
    @ValueSource(ints = {1, 150, 400})
    void aReplayKilledMidRunIsRepairedAtRestartAndEveryFileReadsWhole(int filesAtKill) throws Exception {
        Path out = work.resolve("out");
        Path config = config(out, "unused0", null);
        Process killed = new ProcessBuilder(DaemonRun.java(), "-jar", JAR.toString(), "-r", input.toString(),
                config.toString()).redirectErrorStream(true).redirectOutput(work.resolve("killed.log").toFile()).start();
        awaitProgress(killed, () -> pcapFiles(out).size(), filesAtKill);
        killed.destroyForcibly(); // SIGKILL: no flush, no close
        assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
        Map<String, Long> before = sizes(out);
        int injected = injectOldDamage(out, before);

        DaemonRun rerun = DaemonRun.start(JAR, "-r", input.toString(), config.toString());
        assertEquals(0, rerun.awaitExit(300), rerun.log());
        assertEquals(REPLAYED, rerun.finalFigure("captured"));
        assertEquals(REPLAYED, rerun.finalFigure("written"));
        assertEquals(0, rerun.finalFigure("in_flight"));
        List<String> repaired = changed(before, out);
        assertTrue(repaired.size() >= injected, "the damage made here is repaired: " + repaired);
        assertEquals(repaired.size(), rerun.finalFigure("files_repaired"), "files_repaired counts each changed file");
        assertEquals(repaired.size(), rerun.log().lines().filter(l -> l.contains("repaired ")).count(),
                "one log line per repaired file:\n" + rerun.log());

        Map<String, Long> counts = capinfos(out);
        long rewritten = counts.entrySet().stream().filter(e -> isNew(e.getKey(), before))
                .mapToLong(Map.Entry::getValue).sum();
        assertEquals(REPLAYED, rewritten, "the restart's packets are all in its own new parts");
        assertTrue(counts.entrySet().stream().filter(e -> !isNew(e.getKey(), before))
                .mapToLong(Map.Entry::getValue).sum() <= REPLAYED, "the killed run left no more than it read");
        for (String name : repaired) {
            if (Files.exists(out.resolve(name))) {
                assertEquals(0, SpanDaemon.tshark(out.resolve(name)).exit(), name + " after repair");
            }
        }
    }

    @Test
    void aLiveCaptureKilledMidRunIsRepairedAtRestartAndEveryFileReadsWhole() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && onPath("tcpreplay"), "needs root and tcpreplay");
        String inject = "ft" + ProcessHandle.current().pid() % 100_000 + "k";
        String capture = inject + "c";
        sh(-1, "ip", "link", "del", inject);
        sh(0, "ip", "link", "add", inject, "type", "veth", "peer", "name", capture);
        try {
            for (String i : List.of(inject, capture)) {
                sh(0, "sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
                sh(0, "ip", "link", "set", i, "up");
            }
            Path traffic = work.resolve("live.pcap");
            int packets = 60_000;
            DaemonRun.command(DaemonRun.java(), "-cp", JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                    "--packets", String.valueOf(packets), "--hosts", "20", "--hours", "1", "--max-size", "1000",
                    traffic.toString());
            Path out = work.resolve("out");
            int port = FreePorts.tcp();
            Path config = config(out, capture, "127.0.0.1:" + port);

            DaemonRun killed = DaemonRun.start(JAR, config.toString());
            killed.awaitLine("capture path", 30);
            awaitMetrics(port);
            Process replay = new ProcessBuilder("tcpreplay", "-q", "-i", inject, "--pps", "20000", traffic.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // Kill once about a third is on disk (flushed each second), mid-traffic.
            awaitProgress(replay, () -> bytes(out), 10L << 20);
            killed.kill(30);
            assertTrue(replay.waitFor(60, TimeUnit.SECONDS));
            Map<String, Long> before = sizes(out);
            int injected = injectOldDamage(out, before);

            DaemonRun rerun = DaemonRun.start(JAR, config.toString());
            rerun.awaitLine("capture path", 30);
            awaitMetrics(port);
            sh(0, "tcpreplay", "-q", "-i", inject, "--pps", "20000", traffic.toString());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (metric(port, "secureot_packets_written_total") < packets && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertEquals(0, rerun.stop(60), rerun.log());
            assertEquals(packets, rerun.finalFigure("captured"), rerun.log());
            assertEquals(packets, rerun.finalFigure("written"));
            List<String> repaired = changed(before, out);
            assertTrue(repaired.size() >= injected, repaired.toString());
            assertEquals(repaired.size(), rerun.finalFigure("files_repaired"));
            Map<String, Long> counts = capinfos(out);
            assertEquals(packets, counts.entrySet().stream().filter(e -> isNew(e.getKey(), before))
                    .mapToLong(Map.Entry::getValue).sum(), "the restart's packets are in its own new parts");
        } finally {
            sh(-1, "ip", "link", "del", inject);
        }
    }

    // ---- helpers

    /**
     * Damage as older versions or another writer left it, besides whatever the kill left: a file
     * cut inside its last record (one made here from the input's first records, and the largest
     * file the kill left when it holds more than a header), an empty file, and a file of another
     * program's bytes. Returns how many files were damaged here.
     */
    private static int injectOldDamage(Path out, Map<String, Long> sizes) throws IOException {
        int damaged = 0;
        String largest = sizes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        // An early kill may leave only files of a bare header (or less): nothing to tear there.
        if (sizes.get(largest) > 24 + 7) {
            try (var ch = FileChannel.open(out.resolve(largest), StandardOpenOption.WRITE)) {
                ch.truncate(sizes.get(largest) - 7);
            }
            sizes.put(largest, sizes.get(largest) - 7);
            damaged++;
        }
        String torn = "host_10.9.9.7_20231114_22.pcap";
        byte[] head = tornCopyOfInput();
        Files.write(out.resolve(torn), head);
        sizes.put(torn, (long) head.length);
        Files.write(out.resolve("host_10.9.9.9_20231114_22.pcap"), new byte[0]);
        Files.writeString(out.resolve("host_10.9.9.8_20231114_22.pcap"), "another program's bytes");
        sizes.put("host_10.9.9.9_20231114_22.pcap", 0L);
        sizes.put("host_10.9.9.8_20231114_22.pcap", 23L);
        return damaged + 3;
    }

    /** The input's global header, its first record whole and the second cut inside its data. */
    private static byte[] tornCopyOfInput() throws IOException {
        byte[] start;
        try (var in = Files.newInputStream(input)) {
            start = in.readNBytes(1 << 16);
        }
        ByteBuffer b = ByteBuffer.wrap(start);
        b.order((start[0] & 0xff) == 0xd4 || (start[0] & 0xff) == 0x4d
                ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int first = b.getInt(24 + 8);
        int second = 24 + 16 + first;
        int cut = second + 16 + Math.max(1, b.getInt(second + 8) / 2);
        return Arrays.copyOf(start, cut);
    }

    /**
     * Written by the restart: a name that was not there, or whose file had no header (the kill
     * came between creating a file and writing its header): the repair removed it, which freed
     * the name.
     */
    private static boolean isNew(String name, Map<String, Long> before) {
        Long size = before.get(name);
        return size == null || size < 24;
    }

    /** The files of {@code before} whose size changed or that are gone (removed, moved aside). */
    private static List<String> changed(Map<String, Long> before, Path out) throws IOException {
        Map<String, Long> now = sizes(out);
        List<String> changed = new ArrayList<>();
        before.forEach((name, size) -> {
            if (!size.equals(now.get(name))) {
                changed.add(name);
            }
        });
        return changed;
    }

    /** Runs capinfos over every pcap file at once (it fails on any file it cannot read whole). */
    private static Map<String, Long> capinfos(Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("capinfos", "-c"));
        for (Path p : pcapFiles(out)) {
            cmd.add(p.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "capinfos read every file whole:\n" + text.lines()
                .filter(l -> !l.startsWith("File name") && !l.startsWith("Number")).toList());
        Map<String, Long> counts = new HashMap<>();
        Matcher m = COUNT.matcher(text);
        while (m.find()) {
            counts.put(Path.of(m.group(1)).getFileName().toString(), Long.parseLong(m.group(2)));
        }
        assertEquals(cmd.size() - 2, counts.size(), text);
        return counts;
    }

    private static List<Path> pcapFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pcap")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, Long> sizes(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        for (Path p : pcapFiles(dir)) {
            out.put(p.getFileName().toString(), Files.size(p));
        }
        return out;
    }

    private static long bytes(Path dir) {
        try {
            return sizes(dir).values().stream().mapToLong(Long::longValue).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits until {@code progress} reaches {@code target}; fails if {@code running} ends first. */
    private static void awaitProgress(Process running, LongSupplier progress, long target) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (progress.getAsLong() < target) {
            assertTrue(running.isAlive(), "ended before the kill point (" + progress.getAsLong() + " < " + target + ")");
            assertTrue(System.nanoTime() < end, "no progress to " + target);
            Thread.sleep(2);
        }
    }

    private static void awaitMetrics(int port) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (metric(port, "secureot_packets_captured_total") < 0) {
            assertTrue(System.nanoTime() < end, "no metrics endpoint on " + port);
            Thread.sleep(50);
        }
    }

    /** A metric's value, or -1 when the endpoint does not answer. */
    private static long metric(int port, String name) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith(name + " ")).mapToLong(l ->
                    (long) Double.parseDouble(l.substring(name.length() + 1).trim())).findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private Path config(Path out, String itf, String metricsListen) throws IOException {
        Path p = work.resolve("config-" + System.nanoTime() + ".yaml");
        Files.writeString(p, "capture:\n  interface: \"" + itf + "\"\n"
                + "default_output_prefix: \"host_{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n"
                + (metricsListen == null ? "" : "metrics:\n  listen: \"" + metricsListen + "\"\n"));
        return p;
    }
}
