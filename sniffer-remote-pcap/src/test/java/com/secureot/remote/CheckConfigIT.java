package com.secureot.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: what failed only at run time is caught by {@code --check-config} (exit 78, a line
 * naming each key): a metrics host Java cannot bind, a prefix whose file names the file system
 * refuses, an allow-list entry that never matches.
 */
class CheckConfigIT {
    @TempDir
    Path dir;

    @Test
    void valuesThatWouldFailAtRunTimeExit78NamingTheirKeys() throws Exception {
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, "port: 5000\n"
                + "default_output_prefix: \"" + "r".repeat(250) + "\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + dir.resolve("out") + "\"\n"
                + "allowed_senders: [\"::ffff:127.0.0.3\"]\n"
                + "metrics:\n  listen: \"*:19138\"\n");
        Process p = new ProcessBuilder(CollectorProcess.javaBin(), "-jar", CollectorProcess.JAR.toAbsolutePath().toString(),
                config.toString(), "--check-config").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(78, p.waitFor(), out);
        List<String> lines = out.lines().filter(l -> l.startsWith("config error: ")).toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("config error: metrics.listen: \"*:19138\"")), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("config error: default_output_prefix: ")
                && l.contains("over the 255 the file system allows")), out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("config error: allowed_senders[0]: \"::ffff:127.0.0.3\"")), out);
        assertFalse(out.contains("\tat "), out);
        assertFalse(Files.exists(dir.resolve("out")), "nothing created");
    }
}
