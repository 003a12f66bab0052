package com.secureot.span;

import com.secureot.pcap.testing.DaemonRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 16: the kind of an I/O error does not depend on the language of its message. A real full
 * disk (a 2 MiB tmpfs) under a German locale, for the C library (LC_ALL) and for Java
 * (user.language), is counted as disk_full, not write_error; and as long as it stays full the
 * log never says that writing works again.
 */
class LocaleDiskFullIT {
    @TempDir
    Path work;

    @Test
    void aFullDiskUnderAGermanLocaleIsCountedAsDiskFull() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Process locales = new ProcessBuilder("locale", "-a").redirectErrorStream(true).start();
        String available = new String(locales.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        locales.waitFor();
        assumeTrue(available.lines().anyMatch(l -> l.equalsIgnoreCase("de_DE.utf8")),
                "needs the de_DE.UTF-8 locale (.ci/run generates it)");
        Path input = work.resolve("in.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", SpanDaemon.JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", "20000", "--hosts", "20", "--hours", "1", "--max-size", "1000", input.toString());
        Path mnt = Files.createDirectories(work.resolve("tiny"));
        DaemonRun.command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt.toString());
        try {
            Path config = work.resolve("c.yaml");
            Files.writeString(config, "capture:\n  interface: \"unused\"\n"
                    + "default_output_prefix: \"host_{src_ip}\"\n"
                    + "output_directories:\n  pcap_raw_output_path: \"" + mnt.resolve("out") + "\"\n"
                    + "rotation:\n  timezone: UTC\n");
            Path log = work.resolve("daemon.log");
            ProcessBuilder pb = new ProcessBuilder(DaemonRun.java(), "-Duser.language=de", "-Duser.country=DE",
                    "-jar", SpanDaemon.JAR.toString(), "-r", input.toString(), config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("LC_ALL", "de_DE.UTF-8");
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            String text = Files.readString(log);
            assertEquals(74, p.exitValue(), text);
            // The message is the C library's, in German: proof that the locale took effect.
            assertTrue(text.contains("Speicherplatz"), text);
            Map<String, Long> fin = LossAccountingIT.finalSummary(text);
            assertTrue(fin.get("dropped_disk_full") > 0, text);
            assertEquals(0, fin.get("dropped_write_error"), "a full disk is never a write_error: " + text);
            assertEquals(fin.get("captured"), fin.get("written") + fin.get("dropped_disk_full"));
            assertEquals(0, fin.get("in_flight"));
            // The disk stays full: a write into the space a failed file's cut-back freed is no recovery.
            assertEquals(0, text.lines().filter(l -> l.contains("writing works again (")).count(), text);
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
