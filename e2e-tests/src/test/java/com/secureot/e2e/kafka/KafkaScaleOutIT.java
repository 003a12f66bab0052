package com.secureot.e2e.kafka;

import com.secureot.e2e.DaemonJar;
import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import com.secureot.pcap.testing.TestPcaps.PcapFile;
import com.secureot.pcap.wire.SotkRecordWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forwarders publish to a real Apache Kafka broker (single-node KRaft, its own JVM, started once
 * for the class), collectors of one consumer group store what they consume. Every case compares
 * the collectors' files, read back with the tests' own pcap reader, with each sensor's input:
 * every packet's bytes, timestamp, orig_len and link type.
 */
class KafkaScaleOutIT {
    private static final Pattern FILE = Pattern.compile("kafka_(.+)_\\d{8}_\\d{2}(?:-\\d+)?\\.pcap");
    private static Path dir;
    private static KafkaBroker broker;
    private static final Map<String, Path> captures = new HashMap<>();

    @BeforeAll
    static void startBroker() throws Exception {
        dir = Path.of("target", "kafka-it").toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        broker = KafkaBroker.start(dir.resolve("broker"));
        for (int i = 1; i <= 4; i++) {
            Path f = dir.resolve("sensor" + i + ".pcap");
            // Four different captures: sizes, hosts, seeds; two with nanosecond, two with microsecond timestamps.
            List<String> cmd = new ArrayList<>(List.of(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                    "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(6_000 + 1_500 * i),
                    "--hosts", String.valueOf(10 * i), "--hours", "2", "--max-size", "1400", "--seed", String.valueOf(i)));
            if (i % 2 == 0) {
                cmd.add("--nano");
            }
            cmd.add(f.toString());
            DaemonRun.command(cmd.toArray(String[]::new));
            captures.put("s" + i, f);
        }
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void fourSensorsAndTwoCollectorsInOneGroupStoreEverySensorsInputExactly() throws Exception {
        broker.createTopic("four", 8);
        Path here = dir.resolve("four");
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, "four", "g-four", 1000).start();
             KafkaCollector b = new KafkaCollector(here, "b", broker, "four", "g-four", 1000).start()) {
            a.awaitPartitions(60);
            b.awaitPartitions(60);
            List<DaemonRun> forwarders = new ArrayList<>();
            long total = 0;
            for (int i = 1; i <= 4; i++) {
                forwarders.add(forwarder(here, "s" + i, "four", captures.get("s" + i), 0, ""));
                total += TestPcaps.read(captures.get("s" + i)).packets().size();
            }
            for (int i = 0; i < 4; i++) {
                try (DaemonRun f = forwarders.get(i)) {
                    assertEquals(0, f.awaitExit(180), "forwarder s" + (i + 1) + "; log:\n" + f.log());
                    assertEquals(TestPcaps.read(captures.get("s" + (i + 1))).packets().size(), f.finalFigure("forwarded"),
                            f.lastLine("final: "));
                }
            }
            awaitStored(total, 120, a, b);
            assertEquals(0, a.stop(), a.log());
            assertEquals(0, b.stop(), b.log());
            assertEquals(0, a.finalFigure("kafka_duplicates") + b.finalFigure("kafka_duplicates"));
            for (int i = 1; i <= 4; i++) {
                assertSameMultiset(TestPcaps.read(captures.get("s" + i)).packets(), stored("s" + i, a, b),
                        "sensor s" + i);
            }
            assertTrue(sensorsOf(a).size() + sensorsOf(b).size() >= 4, "sensors by collector: a " + sensorsOf(a)
                    + ", b " + sensorsOf(b));
        }
    }

    /** Both group protocols: the classic one (the collector's default) and the consumer one (KIP-848). */
    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    void sigtermOfTheCollectorWritingASensorMidStreamLosesNothingAndStoresNothingTwice(String protocol)
            throws Exception {
        TakeOver t = takeOver("term-" + protocol, protocol, "s2", writer -> {
            assertEquals(0, writer.stop(), writer.log());
            return writer.finalFigure("kafka_packets");
        });
        assertEquals(0, t.stopped().finalFigure("kafka_duplicates") + t.other().finalFigure("kafka_duplicates"));
        assertSameMultiset(t.input(), t.stored(), "s2 in the files of both collectors (" + t.byStopped()
                + " stored by the stopped one, " + protocol + " protocol)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    void killNineOfTheCollectorWritingASensorLosesNothingTheOtherTakesOver(String protocol) throws Exception {
        TakeOver t = takeOver("kill-" + protocol, protocol, "s3", writer -> {
            long before = writer.packets();
            writer.kill();
            return before;
        });
        assertContainsAll(t.input(), t.stored(), "s3 in the files of both collectors (" + t.byStopped()
                + " stored by the killed one)");
        System.out.println("kill -9: " + (t.stored().size() - t.input().size()) + " packets stored twice (the killed "
                + "collector's last commit interval)");
    }

    /** How a take-over case ends the collector writing the sensor: returns the packets it had stored. */
    @FunctionalInterface
    private interface Stop {
        long apply(KafkaCollector writer) throws Exception;
    }

    /** The end of a take-over case: the sensor's input, and what the two collectors' files hold of it. */
    private record TakeOver(List<Packet> input, long byStopped, List<Packet> stored, KafkaCollector stopped,
                            KafkaCollector other) {
    }

    /**
     * Two collectors in one group on a new topic; the sensor's capture is published paced (its two
     * hours in about 12 s), so that {@code stop}, applied to the collector writing it once it has a
     * quarter, lands mid-stream; then the other takes the partition over and catches up.
     */
    private static TakeOver takeOver(String topic, String protocol, String sensor, Stop stop) throws Exception {
        broker.createTopic(topic, 4);
        Path here = dir.resolve(topic);
        Path capture = captures.get(sensor);
        List<Packet> input = TestPcaps.read(capture).packets();
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, topic, "g-" + topic, 1000, protocol).start();
             KafkaCollector b = new KafkaCollector(here, "b", broker, topic, "g-" + topic, 1000, protocol).start()) {
            a.awaitPartitions(60);
            b.awaitPartitions(60);
            try (DaemonRun f = forwarder(here, sensor, topic, capture, 600, "")) {
                KafkaCollector writer = writerOfAQuarter(a, b, input.size());
                KafkaCollector other = writer == a ? b : a;
                long byStopped = stop.apply(writer);
                assertTrue(byStopped < input.size(), "stopped after the end of the stream: " + byStopped);
                assertEquals(0, f.awaitExit(180), f.log());
                assertEquals(input.size(), f.finalFigure("forwarded"), f.lastLine("final: "));
                // The other re-reads from the stopped one's last commit: it is done when it has no lag left.
                awaitStoredBy(other, input.size() - byStopped, 120);
                other.awaitCaughtUp(120);
                assertEquals(0, other.stop(), other.log());
                return new TakeOver(input, byStopped, stored(sensor, a, b), writer, other);
            }
        }
    }

    @Test
    void aCollectorRestartedAfterKillNineSkipsWhatItsFilesHold() throws Exception {
        broker.createTopic("restart", 2);
        Path here = dir.resolve("restart");
        Path capture = captures.get("s1");
        List<Packet> input = TestPcaps.read(capture).packets();
        // No commit within the test: everything is consumed again after the kill.
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, "restart", "g-restart", 600_000).start()) {
            a.awaitPartitions(60);
            try (DaemonRun f = forwarder(here, "s1", "restart", capture, 0, "")) {
                assertEquals(0, f.awaitExit(180), f.log());
            }
            awaitStoredBy(a, input.size(), 120);
            // The per-partition state says every packet is in the files: then kill.
            awaitStateHolds(a.out, "s1", input.size(), 30);
            a.kill();
        }
        try (KafkaCollector again = new KafkaCollector(here, "a", broker, "restart", "g-restart", 600_000).start()) {
            again.awaitPartitions(60);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (again.duplicates() < input.size() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertEquals(0, again.stop(), again.log());
            assertEquals(input.size(), again.finalFigure("kafka_duplicates"), again.log());
            assertEquals(0, again.finalFigure("kafka_packets"), again.log());
            assertSameMultiset(input, stored("s1", again), "s1 stored once across the restart");
        }
    }

    /**
     * Records published out of order, as a forwarder does when its producer failed on one record
     * while the next were accepted and it resends the failed one later: a record behind its
     * successor is stored, not taken for a duplicate; a copy of records already stored, whole or
     * in part, counts exactly the packets stored before.
     */
    @Test
    void aRecordBehindItsSuccessorIsStoredAndOnlyPacketsStoredBeforeCountAsDuplicates() throws Exception {
        broker.createTopic("order", 1);
        Path here = dir.resolve("order");
        PcapFile capture = TestPcaps.read(captures.get("s2"));
        List<Packet> input = capture.packets().subList(0, 2000);
        try (KafkaCollector c = new KafkaCollector(here, "c", broker, "order", "g-order", 600_000).start();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            c.awaitPartitions(60);
            SotkRecordWriter w = new SotkRecordWriter("s9", 0x5eed, 1, 4 << 20);
            // 1..500, then 1001..1500, then 501..1000: the third comes behind its successor.
            publish(producer, w, capture, input, 1, 500);
            publish(producer, w, capture, input, 1001, 500);
            publish(producer, w, capture, input, 501, 500);
            awaitStoredBy(c, 1500, 120);
            assertEquals(0, c.duplicates(), "nothing was stored twice yet: " + c.log());
            // 501..1000 again (all stored before), then 1251..2000 (1251..1500 stored before).
            publish(producer, w, capture, input, 501, 500);
            publish(producer, w, capture, input, 1251, 750);
            awaitStoredBy(c, 2000, 120);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.duplicates() < 750 && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertEquals(0, c.stop(), c.log());
            assertEquals(2000, c.finalFigure("kafka_packets"), c.log());
            assertEquals(750, c.finalFigure("kafka_duplicates"), c.log());
            assertSameMultiset(input, stored("s9", c), "s9 stored once, whatever the order of its records");
            assertEquals(2000, tsharkCount(c.out), "packets tshark reads in " + c.out);
            awaitStateHolds(c.out, "s9", 2000, 30);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Publishes packets {@code first..first+count-1} of {@code input} (numbered from 1) as one SOTK record. */
    private static void publish(KafkaProducer<byte[], byte[]> producer, SotkRecordWriter w, PcapFile capture,
                                List<Packet> input, int first, int count) throws Exception {
        w.start(capture.linkType(), capture.snaplen(), capture.nano(), false, first);
        for (Packet p : input.subList(first - 1, first - 1 + count)) {
            w.addEncoded(p.sec() * 1_000_000_000L + p.nanos(), p.origLen(), p.data(), 0, p.data().length);
        }
        producer.send(new ProducerRecord<>("order", "s9".getBytes(StandardCharsets.US_ASCII), w.finish()))
                .get(60, TimeUnit.SECONDS);
    }

    private static long tsharkCount(Path out) throws Exception {
        long n = 0;
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".pcap")).toList()) {
                n += DaemonRun.command("tshark", "-r", f.toString(), "-T", "fields", "-e", "frame.number").lines()
                        .filter(l -> l.matches("\\d+")).count();
            }
        }
        return n;
    }

    @Test
    void brokerDownWhenTheForwarderStartsPacketsWaitInTheSpoolAndAreDeliveredWhenItComesUp() throws Exception {
        broker.createTopic("down", 2);
        Path here = dir.resolve("down");
        Path capture = captures.get("s2");
        List<Packet> input = TestPcaps.read(capture).packets();
        broker.stop();
        try {
            int metricsPort = FreePorts.tcp();
            try (DaemonRun f = forwarder(here, "s2", "down", capture, 0, "      max.block.ms: 2000\n",
                    metricsPort, 200)) {
                // Every packet is in the spool on disk while the broker is away; nothing is counted lost.
                awaitForwarderMetric(f, metricsPort, "secureot_forward_backlog_packets", input.size(), 120);
                assertTrue(forwarderMetric(metricsPort, "secureot_forward_backlog_bytes") > 0, f.log());
                assertEquals(0, forwarderMetric(metricsPort, "secureot_packets_forwarded_total"), f.log());
                assertTrue(spoolBytes(here.resolve("forwarder-s2-out")) > input.size() * 16L, f.log());
                f.awaitLine("does not take records", 60);
                broker.start();
                assertEquals(0, f.awaitExit(240), f.log());
                assertEquals(input.size(), f.finalFigure("forwarded"), f.lastLine("final: "));
                assertEquals(0, f.finalFigure("fwd_backlog"), f.lastLine("final: "));
                f.awaitLine("acknowledges records again", 1);
            }
        } finally {
            broker.start(); // for the next test, whatever happened here
        }
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, "down", "g-down", 1000).start()) {
            awaitStoredBy(a, input.size(), 120);
            a.awaitCaughtUp(120);
            assertEquals(0, a.stop(), a.log());
            assertEquals(0, a.finalFigure("kafka_duplicates"), a.log());
            assertSameMultiset(input, stored("s2", a), "s2 after the broker came up");
            assertTsharkReads(a.out);
        }
    }

    @Test
    void forwarderKilledWhileTheBrokerIsDownPublishesItsSpoolAfterTheRestart() throws Exception {
        broker.createTopic("killfwd", 2);
        Path here = dir.resolve("killfwd");
        Path capture = captures.get("s4");
        List<Packet> input = TestPcaps.read(capture).packets();
        // The restarted forwarder replays no packet of its own: what reaches the topic is the first run's spool.
        Path empty = here.resolve("empty.pcap");
        Files.createDirectories(here);
        Files.write(empty, Arrays.copyOf(Files.readAllBytes(capture), 24));
        broker.stop();
        try {
            int metricsPort = FreePorts.tcp();
            try (DaemonRun f = forwarder(here, "s4", "killfwd", capture, 0, "      max.block.ms: 2000\n",
                    metricsPort, 200)) {
                awaitForwarderMetric(f, metricsPort, "secureot_forward_backlog_packets", input.size(), 120);
                f.kill(30);
            }
            broker.start();
            try (DaemonRun f = forwarder(here, "s4", "killfwd", empty, 0, "", 0, 200)) {
                assertEquals(0, f.awaitExit(240), f.log());
                assertEquals(input.size(), f.finalFigure("forwarded"), f.lastLine("final: "));
                assertEquals(0, f.finalFigure("captured"), f.lastLine("final: "));
            }
        } finally {
            broker.start();
        }
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, "killfwd", "g-killfwd", 1000).start()) {
            awaitStoredBy(a, input.size(), 120);
            a.awaitCaughtUp(120);
            assertEquals(0, a.stop(), a.log());
            assertEquals(0, a.finalFigure("kafka_duplicates"), a.log());
            assertSameMultiset(input, stored("s4", a), "s4 across the forwarder's kill -9");
        }
    }

    @Test
    void aTopicTheBrokersDoNotHaveKeepsEveryPacketInTheSpool() throws Exception {
        Path here = dir.resolve("missing");
        Path capture = captures.get("s1");
        int packets = TestPcaps.read(capture).packets().size();
        try (DaemonRun f = forwarder(here, "s1", "no-such-topic", capture, 0, "      max.block.ms: 1500\n", 0, 3)) {
            assertEquals(75, f.awaitExit(240), f.log());
            assertEquals(0, f.finalFigure("forwarded"), f.lastLine("final: "));
            assertEquals(packets, f.finalFigure("fwd_backlog"), f.lastLine("final: "));
            assertEquals(packets, f.finalFigure("written"), "the local files are complete: " + f.lastLine("final: "));
            f.awaitLine("does not take records: TimeoutException", 1);
            f.awaitLine("error: " + packets + " of " + packets + " packets are not acknowledged by the brokers yet; "
                    + "they stay in the spool", 1);
        }
    }

    /**
     * Sub-second fields at the edge of and beyond their range (up to 0xFFFFFFFF), microsecond and
     * nanosecond: what the collector stores from Kafka is every record byte for byte as it came.
     */
    @Test
    void recordsWithOutOfRangeFractionsCrossKafkaAsTheyCame() throws Exception {
        broker.createTopic("odd", 1);
        Path here = dir.resolve("odd");
        Files.createDirectories(here);
        int packets = TestPcaps.ODD_FRACTIONS.length;
        try (KafkaCollector a = new KafkaCollector(here, "a", broker, "odd", "g-odd", 1000).start()) {
            a.awaitPartitions(60);
            for (String sensor : List.of("odd-us", "odd-ns")) {
                Path capture = Files.write(here.resolve(sensor + ".pcap"), TestPcaps.oddFractions(sensor.endsWith("ns")));
                try (DaemonRun f = forwarder(here, sensor, "odd", capture, 0, "")) {
                    assertEquals(0, f.awaitExit(180), "forwarder " + sensor + "; log:\n" + f.log());
                    assertEquals(packets, f.finalFigure("forwarded"), f.lastLine("final: "));
                }
            }
            awaitStoredBy(a, 2L * packets, 120);
            assertEquals(0, a.stop(), a.log());
            for (String sensor : List.of("odd-us", "odd-ns")) {
                byte[] input = Files.readAllBytes(here.resolve(sensor + ".pcap"));
                List<String> stored = new ArrayList<>();
                try (Stream<Path> s = Files.list(a.out)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        Matcher m = FILE.matcher(f.getFileName().toString());
                        if (m.matches() && m.group(1).equals(sensor)) {
                            byte[] file = Files.readAllBytes(f);
                            assertEquals(sensor.endsWith("ns") ? (byte) 0x4d : (byte) 0xd4, file[0], f + ": magic");
                            stored.addAll(TestPcaps.sortedRecords(file));
                        }
                    }
                }
                stored.sort(null);
                assertEquals(TestPcaps.sortedRecords(input), stored, sensor + " in the collector's files");
            }
        }
    }

    private static DaemonRun forwarder(Path here, String sensor, String topic, Path capture, double speed,
                                       String properties) throws IOException {
        return forwarder(here, sensor, topic, capture, speed, properties, 0, 200);
    }

    /** A forwarder replaying {@code capture}; {@code metricsPort} 0: no metrics endpoint. */
    private static DaemonRun forwarder(Path here, String sensor, String topic, Path capture, double speed,
                                       String properties, int metricsPort, int drainSeconds) throws IOException {
        Path config = here.resolve("forwarder-" + sensor + ".yaml");
        Files.createDirectories(here);
        Files.writeString(config, ""
                + "capture:\n"
                + "  interface: \"unused\"\n"
                + "  queue_size_mb: 256\n"
                + "routing_rules: []\n"
                + "default_output_prefix: \"local\"\n"
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + here.resolve("forwarder-" + sensor + "-out") + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + "metrics:\n"
                + "  log_interval_seconds: 0\n"
                + (metricsPort == 0 ? "" : "  listen: \"127.0.0.1:" + metricsPort + "\"\n")
                + "forward:\n"
                + "  enable: true\n"
                + "  protocol: kafka\n"
                + "  sensor_id: \"" + sensor + "\"\n"
                + "  drain_timeout_seconds: " + drainSeconds + "\n"
                + "  kafka:\n"
                + "    bootstrap_servers: \"" + broker.bootstrap() + "\"\n"
                + "    topic: \"" + topic + "\"\n"
                + (properties.isEmpty() ? "" : "    properties:\n" + properties));
        List<String> args = new ArrayList<>(List.of("-r", capture.toString()));
        if (speed > 0) {
            args.addAll(List.of("--replay-speed", String.valueOf(speed)));
        }
        args.add(config.toString());
        return DaemonRun.start(DaemonJar.FORWARDER, args.toArray(String[]::new));
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static long forwarderMetric(int port, String series) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + "(?:\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE)
                .matcher(body);
        if (!m.find()) {
            throw new AssertionError("no " + series + " on the forwarder's metrics endpoint:\n" + body);
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** Waits until the forwarder's {@code series} reaches {@code value} (the endpoint may not be up yet). */
    private static void awaitForwarderMetric(DaemonRun f, int port, String series, long value, long seconds)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long last = -1;
        while (System.nanoTime() < end) {
            assertTrue(f.alive(), f.log());
            try {
                last = forwarderMetric(port, series);
                if (last >= value) {
                    assertEquals(value, last, series);
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(series + " is " + last + ", not " + value + ", after " + seconds + " s; log:\n"
                + f.log());
    }

    /** Bytes of the spool's segment files under the forwarder's output folder. */
    private static long spoolBytes(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.resolve(".spool"))) {
            long sum = 0;
            for (Path p : s.filter(x -> x.getFileName().toString().endsWith(".spool")).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }

    /** Wireshark's reader takes every file the collector wrote. */
    private static void assertTsharkReads(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".pcap")).toList()) {
                DaemonRun.command("tshark", "-r", f.toString(), "-q");
            }
        }
    }

    /** The collector that stored a quarter of {@code packets} first: the one that owns the sensor's partition. */
    private static KafkaCollector writerOfAQuarter(KafkaCollector a, KafkaCollector b, int packets) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (a.packets() > packets / 4) {
                return a;
            }
            if (b.packets() > packets / 4) {
                return b;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no collector stored a quarter of the packets; a:\n" + a.log() + "\nb:\n" + b.log());
    }

    private static void awaitStored(long total, long seconds, KafkaCollector... collectors) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long sum = 0;
        while (System.nanoTime() < end) {
            sum = 0;
            for (KafkaCollector c : collectors) {
                sum += c.packets();
            }
            if (sum >= total) {
                return;
            }
            Thread.sleep(100);
        }
        // Fall through: the comparison of the files says what is missing.
    }

    private static void awaitStoredBy(KafkaCollector c, long packets, long seconds) throws Exception {
        awaitStored(packets, seconds, c);
    }

    private static void awaitStateHolds(Path out, String sensor, long next, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            long sum = 0;
            Path states = out.resolve(".kafka-state");
            if (Files.isDirectory(states)) {
                try (Stream<Path> s = Files.walk(states)) {
                    for (Path p : s.filter(x -> x.toString().endsWith(".state")).toList()) {
                        for (String line : Files.readAllLines(p)) {
                            String[] f = line.split(" ");
                            // v2: the ranges stored; every packet is in once they are the one range 1-n.
                            if (f.length == 3 && f[0].equals(sensor) && f[2].matches("1-\\d+")) {
                                sum = Math.max(sum, Long.parseLong(f[2].substring(2)));
                            }
                        }
                    }
                }
            }
            if (sum >= next) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the state under " + out + " never said " + next + " packets of " + sensor + " are stored");
    }

    /** Every packet of {@code sensor} in the collectors' files (file by file, each in order). */
    private static List<Packet> stored(String sensor, KafkaCollector... collectors) throws IOException {
        List<Packet> out = new ArrayList<>();
        for (KafkaCollector c : collectors) {
            if (!Files.isDirectory(c.out)) {
                continue;
            }
            try (Stream<Path> s = Files.list(c.out)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    Matcher m = FILE.matcher(f.getFileName().toString());
                    assertTrue(m.matches(), "unexpected file " + f);
                    if (m.group(1).equals(sensor)) {
                        PcapFile file = TestPcaps.read(f);
                        out.addAll(file.packets());
                    }
                }
            }
        }
        return out;
    }

    private static List<String> sensorsOf(KafkaCollector c) throws IOException {
        if (!Files.isDirectory(c.out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(c.out)) {
            return s.map(p -> FILE.matcher(p.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> m.group(1)).distinct().sorted().toList();
        }
    }

    private static final Comparator<Packet> ORDER = Comparator.comparingLong(Packet::sec).thenComparingInt(Packet::nanos)
            .thenComparingInt(Packet::origLen).thenComparing(Packet::data, Arrays::compare);

    /** The same packets, each as often: the files of several collectors have no order between them. */
    private static void assertSameMultiset(List<Packet> expected, List<Packet> actual, String what) {
        List<Packet> e = new ArrayList<>(expected);
        List<Packet> a = new ArrayList<>(actual);
        e.sort(ORDER);
        a.sort(ORDER);
        TestPcaps.assertSamePackets(e, a, what);
    }

    /** Every expected packet is stored at least as often as in the input, and nothing else is. */
    private static void assertContainsAll(List<Packet> expected, List<Packet> actual, String what) {
        Map<Packet, Integer> need = new HashMap<>();
        expected.forEach(p -> need.merge(p, 1, Integer::sum));
        Map<Packet, Integer> got = new HashMap<>();
        actual.forEach(p -> got.merge(p, 1, Integer::sum));
        long missing = 0;
        for (Map.Entry<Packet, Integer> e : need.entrySet()) {
            missing += Math.max(0, e.getValue() - got.getOrDefault(e.getKey(), 0));
        }
        long foreign = got.keySet().stream().filter(p -> !need.containsKey(p)).count();
        assertEquals(0, missing, what + ": packets missing");
        assertEquals(0, foreign, what + ": packets not in the input");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
