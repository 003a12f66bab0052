package com.secureot.e2e.kafka;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Apache Kafka (KRaft: broker and controller in one process) in its own JVM,
 * run from the {@code kafka_2.13} jar of this module's test classpath: storage formatted with
 * {@code kafka.tools.StorageTool}, then {@code kafka.Kafka server.properties}. Its ports are
 * chosen once, so {@link #stop} and {@link #start} again bring the same broker back (its log
 * directory is kept): a broker outage. {@link #close} kills it.
 */
final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final Path properties;
    private final String classpath;
    final int port;
    private Process process;
    private Path log;
    private int starts;

    private KafkaBroker(Path dir) throws IOException {
        this.dir = dir;
        this.port = FreePorts.tcp();
        int controller = FreePorts.tcp();
        String file = System.getProperty("kafka.broker.classpath", "target/kafka-broker.classpath");
        this.classpath = Files.readString(Path.of(file)).trim();
        properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // A single-member group starts consuming at once, not after 3 s.
                "group.initial.rebalance.delay.ms=0",
                // The consumer group protocol's session and heartbeat are the broker's: a collector
                // killed with -9 loses its partitions after 6 s, not 45 s, as with the classic
                // protocol's session.timeout.ms: 6000 (KafkaCollector).
                "group.consumer.min.session.timeout.ms=6000",
                "group.consumer.session.timeout.ms=6000",
                "group.consumer.min.heartbeat.interval.ms=1000",
                "group.consumer.heartbeat.interval.ms=1000",
                "auto.create.topics.enable=false",
                ""));
    }

    /** Formats the storage and starts the broker; returns once it answers an admin request. */
    static KafkaBroker start(Path dir) throws Exception {
        Files.createDirectories(dir);
        KafkaBroker b = new KafkaBroker(dir);
        DaemonRun.command(DaemonRun.java(), "-cp", b.classpath, "kafka.tools.StorageTool", "format",
                "-t", clusterId(), "-c",
                b.properties.toString());
        b.start();
        return b;
    }

    /**
     * A cluster id as Kafka makes them: its Uuid never starts with '-', which StorageTool's parser
     * would take for an option (a home-made base64 id failed the format one run in 64).
     */
    private static String clusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Starts the (formatted) broker again, unless it runs, and waits until it serves. */
    void start() throws Exception {
        if (process != null && process.isAlive()) {
            return; // a second broker on the same folder and ports would fail, and harm the first
        }
        log = dir.resolve("broker-" + (++starts) + ".log");
        List<String> cmd = new ArrayList<>(List.of(DaemonRun.java(), "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", classpath, "kafka.Kafka", properties.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("kafka broker exited " + process.exitValue() + "; log:\n" + tail());
            }
            if (listening() && answers()) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("kafka broker not serving after 90 s; log:\n" + tail());
            }
            Thread.sleep(200);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean answers() {
        try (Admin a = admin()) {
            a.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    void createTopic(String name, int partitions) throws Exception {
        try (Admin a = admin()) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Kills the broker (SIGKILL: an outage, not a clean stop) and waits until it is gone. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
