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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16: the multi-writer store (two writer threads, the file-opener thread, the source) on a
 * machine with one core: the daemon pinned to one CPU with taskset, as a 1-vCPU VM runs it. Every
 * packet is stored, every file whole.
 */
class OneCoreIT {
    @TempDir
    Path work;

    @Test
    void twoWriterThreadsOnOneCoreStoreEveryPacketInWholeFiles() throws Exception {
        assumeTrue(onPath("taskset") && onPath("capinfos"), "needs taskset and capinfos");
        int packets = 200_000;
        Path input = work.resolve("in.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", SpanDaemon.JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", String.valueOf(packets), "--hosts", "300", "--hours", "3", input.toString());
        Path out = work.resolve("out");
        Path config = work.resolve("c.yaml");
        Files.writeString(config, "capture:\n  interface: \"unused\"\n"
                + "default_output_prefix: \"host_{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n  writer_threads: 2\n");
        Path log = work.resolve("daemon.log");
        // The JVM sizes itself from the CPUs it may run on: one, as on a 1-vCPU machine.
        Process p = new ProcessBuilder("taskset", "-c", "0", DaemonRun.java(), "-jar", SpanDaemon.JAR.toString(),
                "-r", input.toString(), config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text);
        Map<String, Long> fin = LossAccountingIT.finalSummary(text);
        assertEquals(packets, fin.get("captured"));
        assertEquals(packets, fin.get("written"), text);
        assertEquals(0, fin.get("in_flight"));
        List<String> cmd = new ArrayList<>(List.of("capinfos", "-c", "-M"));
        try (Stream<Path> files = Files.list(out)) {
            files.map(Path::toString).sorted().forEach(cmd::add);
        }
        Process c = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String info = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, c.waitFor(), info);
        assertEquals(packets, info.lines().filter(l -> l.startsWith("Number of packets:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).sum());
    }
}
