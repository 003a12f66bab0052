package com.secureot.pcap.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A daemon's built jar run with {@code java -jar}, as systemd would; its log (stderr) is kept
 * line by line, so that the final summary can be read after the process ended.
 */
public final class DaemonRun implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread logReader;

    private DaemonRun(String name, Process process) {
        this.name = name;
        this.process = process;
        this.logReader = new Thread(this::readLog, name + "-log");
        logReader.start();
    }

    public static DaemonRun start(Path jar, String... args) throws IOException {
        return start(java(), List.of(), jar, args);
    }

    /** As {@link #start(Path, String...)} on the {@code java} given (the PATH's, to test Java 17's paths). */
    public static DaemonRun start(String java, Path jar, String... args) throws IOException {
        return start(java, List.of(), jar, args);
    }

    /** With JVM options before {@code -jar} (a system property a test needs). */
    public static DaemonRun start(List<String> jvmOptions, Path jar, String... args) throws IOException {
        return start(java(), jvmOptions, jar, args);
    }

    private static DaemonRun start(String java, List<String> jvmOptions, Path jar, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new DaemonRun(jar.getFileName().toString(), p);
    }

    /** The java of the JVM running the tests. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // The process ended; what was read is kept.
        }
    }

    /** The process id, for signals a test sends itself ({@code kill -STOP}). */
    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Waits until a log line contains {@code text} and returns it; fails past the bound, or once
     * the daemon exited and its last lines were read without one.
     */
    public String awaitLine(String text, long timeoutSeconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !logReader.isAlive())) {
                    throw new AssertionError(name + ": no log line containing \"" + text + "\" ("
                            + (process.isAlive() ? "still running" : "exited " + process.exitValue()) + "); log:\n"
                            + log());
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits for the exit (a hang fails the test past the bound) and returns the status. */
    public int awaitExit(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " still running after " + timeoutSeconds + " s; log:\n" + log());
        }
        logReader.join();
        return process.exitValue();
    }

    /** SIGKILL (kill -9: no flush, no close), then the exit status. */
    public int kill(long timeoutSeconds) throws InterruptedException {
        if (!process.isAlive()) {
            throw new AssertionError(name + " ended before the kill (exit " + process.exitValue() + "); log:\n" + log());
        }
        process.toHandle().destroyForcibly();
        return awaitExit(timeoutSeconds);
    }

    /** SIGTERM, then the exit status. */
    public int stop(long timeoutSeconds) throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of stderr and lose the last lines.
        process.toHandle().destroy();
        return awaitExit(timeoutSeconds);
    }

    public String log() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** The last log line containing {@code marker}; fails when there is none. */
    public String lastLine(String marker) {
        synchronized (lines) {
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).contains(marker)) {
                    return lines.get(i);
                }
            }
        }
        throw new AssertionError(name + ": no log line containing \"" + marker + "\"; log:\n" + log());
    }

    /** The value of {@code key=} in the final summary line. */
    public long finalFigure(String key) {
        String line = lastLine("final: ");
        return figure(line.substring(line.indexOf("final: ")), key);
    }

    /** Runs a command to its end (at most 300 s); fails the test on a non-zero status. Returns its output. */
    public static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + ": still running after 300 s");
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** The value of {@code key=} in {@code line} (a summary line of space-separated key=value pairs). */
    public static long figure(String line, String key) {
        for (String part : line.split(" ")) {
            if (part.startsWith(key + "=")) {
                return Long.parseLong(part.substring(key.length() + 1));
            }
        }
        throw new AssertionError("no " + key + "= in: " + line);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
