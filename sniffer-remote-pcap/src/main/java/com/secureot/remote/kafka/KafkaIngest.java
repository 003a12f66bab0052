package com.secureot.remote.kafka;

import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.wire.SotkRecord;
import com.secureot.pcap.wire.SotkRecordReader;
import com.secureot.remote.config.KafkaIngestConfig;
import com.secureot.remote.sequence.SequenceRanges;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The collector's Kafka consumer, on its own thread: polls SOTK records, skips the packets its
 * files already hold (by sensor sequence number, per partition), hands the rest to the store
 * threads, and every {@code kafka.commit_interval_ms}, on each rebalance and at the end waits
 * until they are in the files, saves the per-partition state, then commits the offsets. So a
 * committed record is always in the files (at least once); after a graceful stop (SIGTERM) the
 * next owner of a partition starts exactly after what this collector stored; after a crash it
 * re-reads at most one commit interval, and this collector, given the partition back, skips it.
 */
public final class KafkaIngest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaIngest.class);
    private static final Logger summary = LoggerFactory.getLogger("summary");
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long BATCH_MAX_AGE_MILLIS = 200;
    private static final long LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How often the records consumed are written out and the partitions' state saved between
     * commits: a collector given its partitions back after a crash skips what it stored up to
     * then, so the commit interval may be long (fewer commits) without storing twice.
     */
    private static final long STATE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long NO_PARTITION_WARN_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final int MAX_SENSORS = 65_536;

    private final KafkaIngestConfig cfg;
    private final CollectorMetrics metrics;
    private final List<ConsumerWorker> writers;
    private final BatchPublisher publisher;
    private final Consumer<ByteBuffer, ByteBuffer> consumer;
    /** The group protocol is KIP-848's (group.protocol consumer), which brokers before 4.0 lack. */
    private final boolean consumerProtocol;
    private final Path stateDir;
    private final int maxSnaplen;
    private final Runnable onFailure;
    private final Thread thread;
    private final SotkRecordReader reader = new SotkRecordReader();
    /** A record of a value buffer without an array (not the consumer's usual kind) is copied here. */
    private byte[] scratch = new byte[0];
    private final Map<TopicPartition, PartitionState> states = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    private final Map<String, Sensor> sensors = new TreeMap<>();
    private volatile boolean stopping;
    private volatile Throwable failure;
    private long nextCommitNanos;
    private long nextStateNanos;
    /** Packets were handed to the writers since the last barrier. */
    private boolean unstored;
    private long nextLagNanos;
    private boolean closed;
    private boolean started;
    private boolean everAssigned;

    /**
     * @param stateDir where the per-partition state files go (under the output folder)
     * @param onFailure called once from the consumer thread when it stops on an error
     */
    public KafkaIngest(KafkaIngestConfig cfg, CollectorMetrics metrics, BatchPool pool, List<ConsumerWorker> writers,
                       PacketRouter router, Path stateDir, int maxSnaplen, Runnable onFailure) {
        this.cfg = cfg;
        this.metrics = metrics;
        this.writers = writers;
        this.stateDir = stateDir;
        this.maxSnaplen = maxSnaplen;
        this.onFailure = onFailure;
        // Waiting when every batch is in use slows the consumption, never loses a record.
        this.publisher = new BatchPublisher(pool, writers, router, metrics.storage, true, BATCH_MAX_AGE_MILLIS);
        Properties props = KafkaConsumerProperties.of(cfg, "sniffer-remote-pcap-" + host());
        this.consumerProtocol = KafkaConsumerProperties.consumerProtocol(props);
        this.consumer = new KafkaConsumer<>(props);
        this.thread = new Thread(this::run, "kafka-consume");
        metrics.kafka = true;
    }

    private static String host() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (java.io.IOException e) {
            return "collector";
        }
    }

    public void start() {
        started = true;
        thread.start();
    }

    /** The error that stopped the consumer, or null. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(cfg.client().topic()), new Rebalance());
            log.info("kafka: consuming topic {} from {} in group {}", cfg.client().topic(),
                    String.join(",", cfg.client().bootstrapServers()), cfg.groupId());
            nextCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cfg.commitIntervalMillis());
            long silentSince = System.nanoTime();
            boolean warned = false;
            while (!stopping) {
                ConsumerRecords<ByteBuffer, ByteBuffer> records = consumer.poll(POLL);
                for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
                    record(r);
                }
                publisher.flushIfOlder();
                long now = System.nanoTime();
                if (now - nextCommitNanos >= 0) {
                    checkpoint("periodic", true);
                    nextCommitNanos = now + TimeUnit.MILLISECONDS.toNanos(cfg.commitIntervalMillis());
                    nextStateNanos = now + STATE_NANOS;
                } else if (now - nextStateNanos >= 0) {
                    checkpoint("state", false);
                    nextStateNanos = now + STATE_NANOS;
                }
                if (now - nextLagNanos >= 0) {
                    nextLagNanos = now + LAG_NANOS;
                    updateLag();
                    // The client logs an unknown topic or an unreachable cluster only at WARN, which the
                    // daemons keep quiet: say it once here.
                    if (!warned && !everAssigned && now - silentSince > NO_PARTITION_WARN_NANOS) {
                        warned = true;
                        log.warn("kafka: no partition of topic {} assigned after {} s: are the brokers {} reachable, "
                                + "does the topic exist, and may this collector read it and group {}?",
                                cfg.client().topic(), TimeUnit.NANOSECONDS.toSeconds(NO_PARTITION_WARN_NANOS),
                                String.join(",", cfg.client().bootstrapServers()), cfg.groupId());
                    }
                }
            }
            checkpoint("stop", true);
            // Leaves the group: the other collectors get the partitions at once, from the offsets just committed.
            consumer.close();
            log.info("kafka: left group {}", cfg.groupId());
        } catch (StoreFailed e) {
            fail(e, "a file writer failed; offsets since the last commit are not committed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UnsupportedVersionException e) {
            fail(e, consumerProtocol && !everAssigned
                    ? "the brokers do not support group.protocol consumer (Kafka 4.0 and later do); set "
                    + KafkaConsumerProperties.PROPERTIES + ".group.protocol: classic"
                    : e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (KafkaException | IllegalStateException e) {
            fail(e, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            publisher.flush();
            if (failure != null) {
                try {
                    consumer.close(Duration.ZERO);
                } catch (RuntimeException ignored) {
                    // already closed, or the cluster is gone: nothing was committed after the failure
                }
            }
        }
    }

    private void fail(Throwable t, String message) {
        failure = t;
        log.error("kafka: consuming stopped: {}", message);
        onFailure.run();
    }

    private void record(ConsumerRecord<ByteBuffer, ByteBuffer> r) throws InterruptedException {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        pending.put(tp, new OffsetAndMetadata(r.offset() + 1));
        metrics.kafkaRecords.incrementAndGet();
        ByteBuffer v = r.value();
        String problem = v == null ? "record without a value" : open(v);
        if (problem == null) {
            problem = snaplenProblem();
        }
        if (problem != null) {
            long n = metrics.kafkaBadRecords.incrementAndGet();
            if (n <= 10 || n % 1000 == 0) {
                log.warn("kafka: partition {} offset {}: {}; record not stored ({} such records so far)",
                        r.partition(), r.offset(), problem, n);
            }
            return;
        }
        Sensor sensor = sensor(reader.sensorId());
        PartitionState state = states.computeIfAbsent(tp, this::loadState);
        long first = reader.firstSequence();
        int count = reader.count();
        PartitionState.Run run = state.run(sensor.id, reader.streamEpoch());
        long held = run.held(first, count);
        if (held > 0) {
            sensor.duplicates.addAndGet(held);
            metrics.kafkaDuplicates.addAndGet(held);
            if (held == count) {
                return;
            }
        }
        long packets = 0;
        long bytes = 0;
        unstored = true;
        byte[] d = reader.data();
        int link = reader.linkType();
        boolean nano = reader.nano();
        int snaplen = reader.snaplen();
        long seq = first;
        while (reader.next()) {
            // Only a record that overlaps what is stored in part (resent across a gap) asks per packet.
            if (held == 0 || !run.holds(seq)) {
                publisher.add(d, reader.dataOffset(), reader.capLen(), reader.origLen(), link, reader.sec(),
                        reader.fraction(), nano, snaplen, sensor);
                packets++;
                bytes += reader.capLen();
            }
            seq++;
        }
        int forgotten = state.stored(run, first, count);
        if (forgotten > 0) {
            rangesForgotten(tp, sensor, forgotten);
        }
        sensor.packets.addAndGet(packets);
        metrics.kafkaPackets.addAndGet(packets);
        metrics.kafkaBytes.addAndGet(bytes);
    }

    /**
     * A sensor run with more than {@link SequenceRanges#MAX_RANGES} gaps in what is stored (a
     * forwarder whose spool overflowed again and again, or records resent at random): the lowest
     * ranges are forgotten, so only records re-read from that far back could be stored twice.
     */
    private void rangesForgotten(TopicPartition tp, Sensor sensor, int forgotten) {
        if (metrics.kafkaRangesForgotten.getAndAdd(forgotten) == 0) {
            log.warn("kafka: partition {} sensor {}: more than {} gaps in the sequence numbers stored; the lowest "
                    + "ranges are forgotten (kafka_ranges_forgotten): should those packets come again, they are "
                    + "stored twice (logged once)", tp.partition(), sensor.id, SequenceRanges.MAX_RANGES);
        }
    }

    /**
     * Opens the record where it lies: the value is a view of the consumer's fetch buffer (a heap
     * buffer), so the packets go from there straight into the write batches, one copy.
     */
    private String open(ByteBuffer v) {
        if (v.hasArray()) {
            return reader.open(v.array(), v.arrayOffset() + v.position(), v.remaining());
        }
        int n = v.remaining();
        if (n > SotkRecord.MAX_RECORD_BYTES) {
            return "record of " + n + " bytes is over the limit of " + SotkRecord.MAX_RECORD_BYTES;
        }
        if (scratch.length < n) {
            scratch = new byte[n];
        }
        v.get(v.position(), scratch, 0, n);
        return reader.open(scratch, 0, n);
    }

    /** A packet over {@code limits.max_snaplen} refuses its whole record (checked before any is stored). */
    private String snaplenProblem() {
        if (reader.snaplen() > maxSnaplen) {
            return "snaplen " + reader.snaplen() + " is over limits.max_snaplen " + maxSnaplen;
        }
        return null;
    }

    private Sensor sensor(String id) {
        Sensor s = sensors.get(id);
        if (s == null) {
            s = new Sensor(id);
            if (sensors.size() < MAX_SENSORS) {
                sensors.put(id, s);
                log.info("kafka: first record of sensor {}", id);
            }
        }
        return s;
    }

    private PartitionState loadState(TopicPartition tp) {
        return PartitionState.load(stateDir.resolve(tp.topic() + "-" + tp.partition() + ".state"));
    }

    /**
     * Waits until every packet handed over is in its file, saves the partitions' state, then
     * ({@code commit}) commits the offsets of the records consumed. A failed commit (the group
     * moved on) is logged: the partition's next owner then re-reads those records.
     */
    private void checkpoint(String why, boolean commit) throws InterruptedException, StoreFailed {
        if (unstored) {
            CountDownLatch stored = new CountDownLatch(writers.size());
            publisher.barrier(stored);
            while (!stored.await(1, TimeUnit.SECONDS)) {
                for (ConsumerWorker w : writers) {
                    if (w.failure() != null) {
                        throw new StoreFailed();
                    }
                }
            }
            unstored = false;
            states.values().forEach(PartitionState::save);
        }
        if (!commit || pending.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
        pending.clear();
        try {
            consumer.commitSync(offsets);
            log.debug("kafka: committed {} ({})", offsets, why);
        } catch (KafkaException e) {
            log.warn("kafka: committing offsets ({}) failed: {}: {}; the records since the previous commit may be "
                    + "stored again by the partitions' next owner", why, e.getClass().getSimpleName(), e.getMessage());
        }
    }

    private void updateLag() {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) {
                metrics.kafkaLag.put(tp.partition(), lag.getAsLong());
            }
        }
    }

    /** On the consumer thread, inside poll: the records returned before are all handed over. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                checkpoint("rebalance", true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (StoreFailed e) {
                throw new IllegalStateException("a file writer failed", e);
            }
            forget(partitions);
            if (!partitions.isEmpty()) {
                log.info("kafka: partitions {} revoked (stored and committed)", names(partitions));
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member owns them already: committing is refused. What was stored since the
            // last commit is re-read by the new owner (duplicates), nothing is lost.
            for (TopicPartition tp : partitions) {
                pending.remove(tp);
            }
            forget(partitions);
            log.warn("kafka: partitions {} lost (this collector missed the group's deadline); records since the "
                    + "last commit may be stored again by their new owner", names(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                states.computeIfAbsent(tp, KafkaIngest.this::loadState);
            }
            Collection<TopicPartition> all = consumer.assignment();
            everAssigned |= !partitions.isEmpty();
            if (all.isEmpty()) {
                log.info("kafka: no partition assigned to this collector (the group has more members than partitions)");
            } else {
                log.info("kafka: now consuming partitions {} of topic {}", names(all), cfg.client().topic());
            }
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            states.remove(tp);
            metrics.kafkaLag.remove(tp.partition());
        }
    }

    private static String names(Collection<TopicPartition> partitions) {
        List<Integer> p = new ArrayList<>();
        partitions.forEach(tp -> p.add(tp.partition()));
        p.sort(null);
        return p.toString();
    }

    /** The final per-sensor lines, after the consumer stopped. */
    public void report(String label) {
        for (Sensor s : sensors.values()) {
            summary.info("{}kafka sensor {}: packets={} duplicates={}", label, s.id, s.packets.get(), s.duplicates.get());
        }
    }

    /** Stores and commits what was consumed, leaves the group, ends the thread. Safe to call twice. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        if (started) {
            thread.join();
        } else {
            consumer.close(Duration.ZERO);
        }
    }

    private static final class StoreFailed extends Exception {
        StoreFailed() {
            super(null, null, false, false);
        }
    }
}
