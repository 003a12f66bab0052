package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TCP collector on a fixed port and folder, so that one started again after {@code kill -9} is
 * the same collector (its SOT2 state, its files). Started by {@link #start}, as often as a test needs.
 */
final class RestartableCollector implements AutoCloseable {
    final int port;
    final int metricsPort;
    final Path out;
    final Path config;
    DaemonRun daemon;
    private final HttpClient http = HttpClient.newHttpClient();

    /** Files by sender address; no TLS. */
    RestartableCollector(Path dir, int port) throws IOException {
        this(dir, port, "remote_{sender_ip}", "");
    }

    /** @param extraYaml more top-level keys (a {@code tls} block, routing rules) */
    RestartableCollector(Path dir, int port, String prefix, String extraYaml) throws IOException {
        this.port = port;
        this.metricsPort = FreePorts.tcp();
        this.out = dir.resolve("collector-out");
        this.config = dir.resolve("collector.yaml");
        Files.writeString(config, CollectorYaml.of(port, "tcp", prefix, out, metricsPort, extraYaml));
    }

    void start() throws IOException, InterruptedException {
        daemon = DaemonRun.start(DaemonJar.COLLECTOR, config.toString());
        daemon.awaitLine("listening on tcp", 60);
    }

    long pid() {
        return daemon.pid();
    }

    /** Waits until this run of the collector received {@code packets}; fails past the bound. */
    void awaitReceived(long packets, long timeoutSeconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (received() < packets) {
            assertTrue(System.nanoTime() < end && daemon.alive(), "the collector received " + received()
                    + " of " + packets + " packets; log:\n" + daemon.log());
            Thread.sleep(20);
        }
    }

    double received() throws IOException, InterruptedException {
        return metric("secureot_packets_received_total{transport=\"tcp\"}");
    }

    /** One series of the metrics endpoint; 0 when it is not there (yet). */
    double metric(String series) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    long finalTotal(String key) {
        return DaemonRun.figure(daemon.lastLine("final: tcp_packets="), key);
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
        }
    }
}
