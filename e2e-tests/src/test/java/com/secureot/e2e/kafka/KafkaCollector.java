package com.secureot.e2e.kafka;

import com.secureot.e2e.DaemonJar;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The collector jar as a member of a Kafka consumer group, storing under {@code out} by sensor id. */
final class KafkaCollector implements AutoCloseable {
    static final String PREFIX = "kafka_{sender_name}";

    final String name;
    final Path out;
    private final Path config;
    private final int metricsPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private DaemonRun daemon;

    KafkaCollector(Path dir, String name, KafkaBroker broker, String topic, String group, int commitMillis)
            throws IOException {
        this(dir, name, broker, topic, group, commitMillis, "classic");
    }

    /**
     * @param groupProtocol {@code classic} (the collector's default, not set: only its client-side
     *                      session timeout), or {@code consumer}
     */
    KafkaCollector(Path dir, String name, KafkaBroker broker, String topic, String group, int commitMillis,
                   String groupProtocol) throws IOException {
        this.name = name;
        this.out = dir.resolve(name + "-out");
        this.metricsPort = FreePorts.tcp();
        Files.createDirectories(dir);
        this.config = dir.resolve(name + ".yaml");
        Files.writeString(config, ""
                + "protocol: kafka\n"
                + "kafka:\n"
                + "  bootstrap_servers: \"" + broker.bootstrap() + "\"\n"
                + "  topic: \"" + topic + "\"\n"
                + "  group_id: \"" + group + "\"\n"
                + "  commit_interval_ms: " + commitMillis + "\n"
                // A collector killed with -9 is noticed after the session timeout: under the consumer
                // protocol the broker's (KafkaBroker sets it), under the classic one the client's, the
                // lowest the broker allows.
                + "  properties:\n"
                + (groupProtocol.equals("classic") ? ""
                        + "    session.timeout.ms: 6000\n"
                        + "    heartbeat.interval.ms: 1000\n" : "    group.protocol: consumer\n")
                + "default_output_prefix: \"" + PREFIX + "\"\n"
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + "metrics:\n"
                + "  listen: \"127.0.0.1:" + metricsPort + "\"\n"
                + "  log_interval_seconds: 0\n");
    }

    KafkaCollector start() throws IOException, InterruptedException {
        daemon = DaemonRun.start(DaemonJar.COLLECTOR, config.toString());
        daemon.awaitLine("kafka: consuming topic", 60);
        return this;
    }

    /** Waits until the group gave this collector at least one partition. */
    void awaitPartitions(long timeoutSeconds) throws InterruptedException {
        daemon.awaitLine("kafka: now consuming partitions", timeoutSeconds);
    }

    /** True once a log line says the collector owns some partition. */
    boolean logContains(String text) {
        return daemon.log().contains(text);
    }

    /** Packets of consumed records handed to the files so far (duplicates not included). */
    long packets() throws IOException, InterruptedException {
        return (long) metric("secureot_kafka_packets_consumed_total");
    }

    long duplicates() throws IOException, InterruptedException {
        return (long) metric("secureot_kafka_duplicates_skipped_total");
    }

    /**
     * Waits until every partition this collector owns has no lag (its log end consumed), seen
     * twice a lag period apart, so that a SIGTERM then stores everything the topic holds.
     */
    void awaitCaughtUp(long timeoutSeconds) throws IOException, InterruptedException {
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int zeroTwice = 0;
        while (zeroTwice < 2) {
            if (System.nanoTime() > end) {
                throw new AssertionError(name + " not caught up after " + timeoutSeconds + " s:\n" + lagLines()
                        + "\nlog:\n" + log());
            }
            String lag = lagLines();
            boolean zero = !lag.isEmpty() && lag.lines().allMatch(l -> l.endsWith(" 0.0") || l.endsWith(" 0"));
            zeroTwice = zero ? zeroTwice + 1 : 0;
            Thread.sleep(zero ? 1100 : 200);
        }
    }

    private String lagLines() throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith("secureot_kafka_consumer_lag{"))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    private double metric(String series) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        if (!m.find()) {
            throw new AssertionError("no " + series + " on " + name + "'s metrics endpoint:\n" + body);
        }
        return Double.parseDouble(m.group(1));
    }

    boolean alive() {
        return daemon != null && daemon.alive();
    }

    /** SIGTERM: store, commit, leave the group; returns the exit status. */
    int stop() throws InterruptedException {
        return daemon.stop(60);
    }

    /** SIGKILL: a crash. */
    void kill() {
        daemon.close();
    }

    /** A figure of the final totals line, e.g. {@code kafka_duplicates}. */
    long finalFigure(String key) {
        return DaemonRun.figure(daemon.lastLine("final: tcp_packets="), key);
    }

    String log() {
        return daemon == null ? "(not started)" : daemon.log();
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
        }
    }
}
