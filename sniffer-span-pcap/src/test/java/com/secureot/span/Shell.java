package com.secureot.span;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Commands the fault tests run around the daemon: ip, sysctl, tcpreplay. */
final class Shell {
    private Shell() {
    }

    /** Runs {@code cmd} to its end; fails the test unless it exits {@code expected} (-1: any status). */
    static void sh(int expected, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (expected >= 0) {
            assertEquals(expected, rc, String.join(" ", cmd) + ": " + out);
        }
    }

    /** Waits until {@code log} (a tool's output) contains {@code text}; fails if {@code p} exits first or after 30 s. */
    static void awaitText(Path log, String text, Process p) throws Exception {
        long end = System.currentTimeMillis() + 30_000;
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            assertTrue(p.isAlive(), "exited: " + (Files.exists(log) ? Files.readString(log) : ""));
            assertTrue(System.currentTimeMillis() < end, "no \"" + text + "\" in " + log);
            Thread.sleep(50);
        }
    }

    static boolean onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
