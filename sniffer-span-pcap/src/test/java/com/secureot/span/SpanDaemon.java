package com.secureot.span;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the built {@code sniffer-span-pcap.jar} as a separate process, as systemd would. */
final class SpanDaemon {
    static final Path JAR = Path.of(System.getProperty("basedir", "."), "target", "sniffer-span-pcap.jar");

    /** A finished run: its exit status and what it printed. */
    record Result(int exit, String stdout, String stderr) {
        /** stderr without log lines (those start with an ISO timestamp). */
        List<String> errorLines() {
            return stderr.lines().filter(l -> !l.matches("^\\d{4}-\\d\\d-\\d\\dT.*")).toList();
        }

        String all() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** A running daemon; its output goes to files so that it never blocks on a full pipe. */
    record Running(Process process, Path stdout, Path stderr) {
        String stderrText() throws IOException {
            return Files.readString(stderr);
        }

        Result stop() throws IOException, InterruptedException {
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "no exit 120 s after SIGTERM");
            return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        }
    }

    private SpanDaemon() {
    }

    static Running start(Path workDir, String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run mvn package (failsafe runs after it)");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Running(p, out, err);
    }

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        Running r = start(workDir, args);
        assertTrue(r.process().waitFor(300, TimeUnit.SECONDS), "still running after 300 s: " + List.of(args));
        return new Result(r.process().exitValue(), Files.readString(r.stdout()), Files.readString(r.stderr()));
    }

    /** Runs {@code tshark -r} on {@code file}; returns its exit status and output. */
    static Result tshark(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tshark", "-r", file.toString(), "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return new Result(p.exitValue(), out, "");
    }

    static boolean tsharkInstalled() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "tshark"))) {
                return true;
            }
        }
        return false;
    }
}
