package com.secureot.forward;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A daemon jar run with {@code java -jar}; its stderr is collected line by line. */
final class DaemonProcess implements AutoCloseable {
    static final Path FORWARDER_JAR = Path.of("target/sniffer-span-forwarder.jar").toAbsolutePath();
    static final Path SPAN_PCAP_JAR = Path.of("../sniffer-span-pcap/target/sniffer-span-pcap.jar").toAbsolutePath();

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private DaemonProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
        reader.start();
    }

    static DaemonProcess start(Path jar, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return new DaemonProcess(pb.start());
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Waits until a stderr line contains {@code text}; returns it. */
    String awaitLine(String text, long timeoutSeconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("no stderr line containing \"" + text + "\"; stderr:\n" + stderr());
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits for the exit (failing the test past the bound) and returns the status. */
    int exitCode(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after " + timeoutSeconds + " s; stderr:\n" + stderr());
        }
        reader.join();
        return process.exitValue();
    }

    /** SIGTERM, then the exit status. */
    int stop(long timeoutSeconds) throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of stderr, losing the last lines.
        process.toHandle().destroy();
        return exitCode(timeoutSeconds);
    }

    String stderr() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    /** The value of {@code key=} in the final summary line. */
    long finalFigure(String key) {
        String fin = null;
        synchronized (lines) {
            for (String l : lines) {
                if (l.contains("final: ")) {
                    fin = l;
                }
            }
        }
        if (fin == null) {
            throw new AssertionError("no final summary line; stderr:\n" + stderr());
        }
        for (String part : fin.substring(fin.indexOf("final: ") + 7).split(" ")) {
            if (part.startsWith(key + "=")) {
                return Long.parseLong(part.substring(key.length() + 1));
            }
        }
        throw new AssertionError("no " + key + " in " + fin);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
