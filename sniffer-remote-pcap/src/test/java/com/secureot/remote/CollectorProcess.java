package com.secureot.remote;

import com.secureot.pcap.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built collector jar running as a process, with its log, its ports and its metrics endpoint. */
final class CollectorProcess implements AutoCloseable {
    static final Path JAR = Path.of("target", "sniffer-remote-pcap.jar");
    final int tcpPort;
    final int udpPort;
    final int metricsPort;
    final Path out;
    final Path log;
    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();

    CollectorProcess(Path dir, String extraYaml) throws IOException, InterruptedException {
        this(dir, extraYaml, "");
    }

    /**
     * Starts the collector with the standard test keys plus {@code extraYaml} (top-level keys) and
     * {@code extraLimits} (keys of {@code limits}, indented); waits until it listens.
     */
    CollectorProcess(Path dir, String extraYaml, String extraLimits) throws IOException, InterruptedException {
        this(dir, extraYaml, extraLimits, "");
    }

    /** As above, plus {@code extraRotation} (keys of {@code rotation}, indented). */
    CollectorProcess(Path dir, String extraYaml, String extraLimits, String extraRotation)
            throws IOException, InterruptedException {
        tcpPort = FreePorts.tcp();
        udpPort = FreePorts.udp();
        metricsPort = FreePorts.tcp();
        out = dir.resolve("out");
        log = dir.resolve("collector.log");
        Path config = dir.resolve("collector.yaml");
        Files.writeString(config, ""
                + "protocol: both\n"
                + "tcp_port: " + tcpPort + "\n"
                + "udp_port: " + udpPort + "\n"
                + (extraYaml.contains("default_output_prefix:") ? "" : "default_output_prefix: \"remote_{sender_ip}\"\n")
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + extraRotation
                + "metrics:\n"
                + "  listen: \"127.0.0.1:" + metricsPort + "\"\n"
                + "  log_interval_seconds: 0\n"
                + "limits:\n"
                + "  queue_size_mb: 16\n"
                + extraLimits
                + extraYaml);
        // A small heap: a hostile length that were allocated would fail the daemon at once.
        process = new ProcessBuilder(List.of(javaBin(), "-Xmx96m", "-jar", JAR.toAbsolutePath().toString(),
                config.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        waitFor(() -> logText().contains("listening on udp"), "the collector to listen");
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** A collector counter read from its metrics endpoint, e.g. {@code secureot_packets_received_total{transport="tcp"}}. */
    double metric(String series) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Waits until the collector has received {@code packets} packets over {@code transport}. */
    void awaitReceived(String transport, long packets) throws IOException, InterruptedException {
        String series = "secureot_packets_received_total{transport=\"" + transport + "\"}";
        waitFor(() -> {
            try {
                return metric(series) >= packets;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, packets + " " + transport + " packets");
    }

    /** Sends SIGTERM and returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the collector did not exit within 30 s of SIGTERM:\n" + logText());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    interface Condition {
        boolean holds();
    }

    /** Polls until the condition holds; fails after a generous deadline (a hang, not a slow run). */
    void waitFor(Condition c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.holds()) {
            if (!process.isAlive()) {
                throw new AssertionError("the collector exited (" + process.exitValue() + ") while waiting for "
                        + what + ":\n" + logText());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ":\n" + logText());
            }
            Thread.sleep(50);
        }
    }


}
