package com.secureot.span;

import com.secureot.pcap.testing.DaemonRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static com.secureot.span.Shell.onPath;
import static com.secureot.span.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16: a pipeline thread that fails, or a source that fails mid-run, ends the daemon with
 * every file flushed, closed and whole, and every packet written or counted.
 */
class PipelineFailureIT {
    private static final Path JAR = SpanDaemon.JAR;

    @TempDir
    Path work;

    @Test
    void aWriterThreadThatDiesCountsItsShareAndTheDaemonExits70WithTheOtherFilesComplete() throws Exception {
        int packets = 100_000;
        Path input = work.resolve("in.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", String.valueOf(packets), "--hosts", "40", "--hours", "2", input.toString());
        Path out = work.resolve("out");
        Path config = work.resolve("c.yaml");
        Files.writeString(config, "capture:\n  interface: \"unused\"\n"
                + "default_output_prefix: \"host_{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n  writer_threads: 2\n");
        // The test hook (see StoreWriter): the writer of partition 1 dies at its 10 000th packet.
        Path log = work.resolve("daemon.log");
        Process p = new ProcessBuilder(DaemonRun.java(), "-Dsecureot.test.fail_writer=1:10000", "-jar", JAR.toString(),
                "-r", input.toString(), config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String text = Files.readString(log);
        assertEquals(70, p.exitValue(), text);
        assertTrue(text.contains("internal error in store-1"), text);
        Map<String, Long> fin = LossAccountingIT.finalSummary(text);
        long lost = fin.get("dropped_internal_error");
        assertTrue(lost > 0, text);
        assertEquals(0, fin.get("in_flight"), text);
        assertEquals(fin.get("captured"), fin.get("written") + lost, "every packet written or counted: " + text);
        assertTrue(fin.get("captured") <= packets);
        // Partition 0's files and what partition 1 stored before it failed: closed, whole, counted.
        List<String> cmd = new ArrayList<>(List.of("capinfos", "-c", "-M"));
        try (Stream<Path> files = Files.list(out)) {
            files.map(Path::toString).sorted().forEach(cmd::add);
        }
        assumeTrue(cmd.size() > 3 && onPath("capinfos"), "needs capinfos");
        Process c = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String info = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, c.waitFor(), info);
        long stored = info.lines().filter(l -> l.startsWith("Number of packets:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).sum();
        assertEquals(fin.get("written"), stored);
    }

    @Test
    void aCaptureThatFailsMidRunFlushesAndClosesEveryFileBeforeExiting() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && onPath("tcpreplay"), "needs root and tcpreplay");
        String inject = "ft" + ProcessHandle.current().pid() % 100_000 + "s";
        String capture = inject + "c";
        sh(-1, "ip", "link", "del", inject);
        sh(0, "ip", "link", "add", inject, "type", "veth", "peer", "name", capture);
        Path traffic = work.resolve("live.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", "200000", "--hosts", "20", "--hours", "1", "--max-size", "400", traffic.toString());
        Path out = work.resolve("out");
        Path config = work.resolve("c.yaml");
        Files.writeString(config, "capture:\n  interface: \"" + capture + "\"\n"
                + "default_output_prefix: \"host_{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n");
        Process replay = null;
        try {
            for (String i : List.of(inject, capture)) {
                sh(0, "sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
                sh(0, "ip", "link", "set", i, "up");
            }
            DaemonRun daemon = DaemonRun.start(JAR, config.toString());
            daemon.awaitLine("capturing on", 30);
            replay = new ProcessBuilder("tcpreplay", "-q", "-i", inject, "--pps", "20000", traffic.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // Mid-traffic, with packets in the queues and the file buffers: the interface goes away.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (bytes(out) < (1 << 20)) {
                assertTrue(System.nanoTime() < end && replay.isAlive(), "no traffic on disk");
                Thread.sleep(5);
            }
            sh(0, "ip", "link", "del", inject);
            int exit = daemon.awaitExit(60);
            assertTrue(exit == 69 || exit == 70, "exit " + exit + ":\n" + daemon.log());
            assertEquals(0, daemon.finalFigure("in_flight"), daemon.log());
            assertEquals(daemon.finalFigure("captured"), daemon.finalFigure("written"), daemon.log());
            assertEquals(0, daemon.finalFigure("files_open"));
            long stored = 0;
            try (Stream<Path> files = Files.list(out)) {
                for (Path f : files.toList()) {
                    stored += com.secureot.pcap.testing.TestPcaps.read(f).packets().size();
                }
            }
            assertEquals(daemon.finalFigure("written"), stored, "what was captured is in the files, whole");
        } finally {
            if (replay != null) {
                replay.destroy();
                replay.waitFor(10, TimeUnit.SECONDS);
            }
            sh(-1, "ip", "link", "del", inject);
        }
    }

    private static long bytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        } catch (Exception e) {
            return 0;
        }
    }
}
