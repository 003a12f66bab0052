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

/** The collector jar listening on loopback for one protocol, storing under {@code out} by sender. */
final class Collector implements AutoCloseable {
    /** Every sender gets its own files; the forwarder connects from 127.0.0.1. */
    static final String PREFIX = "remote_{sender_ip}";

    final String protocol;
    final int port;
    final Path out;
    private final int metricsPort;
    private final DaemonRun daemon;
    private final HttpClient http = HttpClient.newHttpClient();

    Collector(Path dir, String protocol) throws IOException, InterruptedException {
        this(dir, protocol, PREFIX, "");
    }

    /** With another default prefix and more top-level keys (a {@code tls} block). */
    Collector(Path dir, String protocol, String prefix, String extraYaml) throws IOException, InterruptedException {
        this.protocol = protocol;
        this.port = "udp".equals(protocol) ? FreePorts.udp() : FreePorts.tcp();
        this.metricsPort = FreePorts.tcp();
        this.out = dir.resolve("collector-out");
        Path config = dir.resolve("collector.yaml");
        Files.writeString(config, CollectorYaml.of(port, protocol, prefix, out, metricsPort, extraYaml));
        daemon = DaemonRun.start(DaemonJar.COLLECTOR, config.toString());
        daemon.awaitLine("listening on " + protocol, 60);
    }

    /**
     * Waits until the collector has received {@code packets} packets, or until nothing more can be
     * expected (bound for a hang); the assertions on the files then say what is missing.
     */
    void awaitReceived(long packets, long timeoutSeconds) throws IOException, InterruptedException {
        String series = "secureot_packets_received_total{transport=\"" + protocol + "\"}";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (metric(series) < packets && System.nanoTime() < end && daemon.alive()) {
            Thread.sleep(50);
        }
    }

    private double metric(String series) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        if (!m.find()) {
            throw new AssertionError("no " + series + " on the collector's metrics endpoint:\n" + body);
        }
        return Double.parseDouble(m.group(1));
    }

    /** SIGTERM: the collector writes what it holds, closes its files and exits. */
    int stop() throws InterruptedException {
        return daemon.stop(60);
    }

    /** A figure of the final totals line, e.g. {@code sot1_gaps}. */
    long finalTotal(String key) {
        return DaemonRun.figure(daemon.lastLine("final: tcp_packets="), key);
    }

    /** A figure of the final line of one sender. */
    long finalOfSender(String sender, String key) {
        return DaemonRun.figure(daemon.lastLine("final: sender " + sender + ":"), key);
    }

    String log() {
        return daemon.log();
    }

    @Override
    public void close() {
        daemon.close();
    }


}
