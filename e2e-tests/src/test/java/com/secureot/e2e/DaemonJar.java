package com.secureot.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon's built jar run with {@code java -jar}; its log (stderr) is kept line by line so the
 * final summary can be read after the process ended.
 */
final class DaemonJar implements AutoCloseable {
    /** The shaded jars the reactor built before this module (see pom.xml). */
    static final Path FORWARDER = jar("forwarder.jar", "../sniffer-span-forwarder/target/sniffer-span-forwarder.jar");
    static final Path COLLECTOR = jar("collector.jar", "../sniffer-remote-pcap/target/sniffer-remote-pcap.jar");

    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread logReader;

    private DaemonJar(String name, Process process) {
        this.name = name;
        this.process = process;
        this.logReader = new Thread(this::readLog, name + "-log");
        logReader.start();
    }

    static DaemonJar start(Path jar, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new DaemonJar(jar.getFileName().toString(), p);
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path jar(String property, String fallback) {
        Path p = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: run the tests through Maven (mvn verify), which builds it first");
        }
        return p;
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // The process ended; what was read is kept.
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits until a log line contains {@code text}; fails if the daemon exits first or past the bound. */
    void awaitLine(String text, long timeoutSeconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!log().contains(text)) {
            if (!process.isAlive() || System.nanoTime() > end) {
                throw new AssertionError(name + ": no log line containing \"" + text + "\" ("
                        + (process.isAlive() ? "still running" : "exited " + process.exitValue()) + "); log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** Waits for the exit (a hang fails the test past the bound) and returns the status. */
    int awaitExit(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " still running after " + timeoutSeconds + " s; log:\n" + log());
        }
        logReader.join();
        return process.exitValue();
    }

    /** SIGTERM, then the exit status. */
    int stop(long timeoutSeconds) throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of stderr and lose the last lines.
        process.toHandle().destroy();
        return awaitExit(timeoutSeconds);
    }

    String log() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** The last log line containing {@code marker}; fails when there is none. */
    String lastLine(String marker) {
        synchronized (lines) {
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).contains(marker)) {
                    return lines.get(i);
                }
            }
        }
        throw new AssertionError(name + ": no log line containing \"" + marker + "\"; log:\n" + log());
    }

    /** The value of {@code key=} in {@code line} (a summary line of space-separated key=value pairs). */
    static long figure(String line, String key) {
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
