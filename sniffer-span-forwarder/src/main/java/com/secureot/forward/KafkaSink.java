package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.packet.Timestamps;
import com.secureot.pcap.wire.SotkRecordWriter;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes to Apache Kafka: each batch becomes one or more SOTK records (docs/wire-formats.md)
 * keyed by {@code forward.sensor_id}, so a sensor's records keep their order in one partition.
 * The producer is idempotent with {@code acks=all}; a packet counts as forwarded when the brokers
 * acknowledged its record, and as not forwarded (by reason) when the producer gave up on it:
 * {@code not_connected} when the brokers could not be reached in time (delivery.timeout.ms,
 * max.block.ms), {@code send_error} for any other refusal. While the brokers are unreachable the
 * producer holds records in its buffer (buffer.memory) and the forwarding queue in front holds
 * batches; past both, packets are counted, never lost silently.
 */
final class KafkaSink extends ForwardingSink {
    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
    private static final long RETRY_COPY_NANOS = 1_000_000_000L;

    private final KafkaTarget target;
    private final String topic;
    private final byte[] key;
    private final SotkRecordWriter writer;
    private final Producer<byte[], byte[]> producer;
    private final Metric retries;
    /** True while a failure episode is logged, so that an outage is logged once, not per record. */
    private final AtomicBoolean failing = new AtomicBoolean();
    private long nextRetryCopyNanos;
    private int recordLinkType = -1;
    private boolean recordNano;
    private boolean recordFields;
    private long recordBytes;
    private boolean closed;

    KafkaSink(KafkaTarget target, ForwardConfig cfg, CaptureMetrics metrics) {
        this(target, cfg, metrics, new KafkaProducer<>(target.producerProperties()));
    }

    KafkaSink(KafkaTarget target, ForwardConfig cfg, CaptureMetrics metrics, Producer<byte[], byte[]> producer) {
        super(target, cfg, metrics);
        this.target = target;
        this.topic = cfg.kafka().topic();
        this.key = cfg.sensorId().getBytes(StandardCharsets.US_ASCII);
        // A new epoch per run: the collector tells this run's sequence numbers from the previous run's.
        java.time.Instant now = java.time.Instant.now();
        long epoch = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.writer = new SotkRecordWriter(cfg.sensorId(), epoch, 0, target.maxRecordBytes());
        this.producer = producer;
        this.retries = metric(producer, "record-retry-total");
        metrics.kafka = true;
        log.info("forward: publishing to {} (stream epoch {})", target, epoch);
    }

    private static Metric metric(Producer<byte[], byte[]> p, String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : p.metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    protected void send(PacketBatch b) {
        for (int i = 0; i < b.count; i++) {
            int cap = b.capLen[i];
            // A packet whose fraction is out of range goes in a record of fields timestamps.
            boolean fields = !Timestamps.inRange(b.tsFraction[i], b.nanoPrecision[i]);
            if (writer.count() > 0 && (b.linkType[i] != recordLinkType || b.nanoPrecision[i] != recordNano
                    || fields != recordFields || !writer.fits(cap))) {
                publish();
            }
            if (writer.count() == 0) {
                recordLinkType = b.linkType[i];
                recordNano = b.nanoPrecision[i];
                recordFields = fields;
                writer.start(recordLinkType, Math.max(1, Math.min(b.snaplen[i], 262_144)), recordNano, fields);
            }
            writer.add(b.tsSeconds[i], b.tsFraction[i], b.origLen[i], b.data, b.offset[i], cap);
            recordBytes += cap;
        }
        // One record per batch at most: the producer's linger joins records into requests.
        if (writer.count() > 0) {
            publish();
        }
    }

    private void publish() {
        int packets = writer.count();
        long bytes = recordBytes;
        byte[] value = writer.finish();
        recordBytes = 0;
        if (drainExpired()) {
            metrics.forwardDrop(ForwardDropReason.NOT_CONNECTED, packets);
            return;
        }
        Callback done = (meta, e) -> completed(packets, bytes, e);
        try {
            producer.send(new ProducerRecord<>(topic, key, value), done);
        } catch (KafkaException | IllegalStateException e) {
            // Thrown by send itself: no metadata or buffer space within max.block.ms, or closed.
            completed(packets, bytes, e);
        }
    }

    /** The producer's verdict on one record; on its I/O thread or, for a send that threw, here. */
    private void completed(int packets, long bytes, Exception e) {
        if (e == null) {
            metrics.forwarded.addAndGet(packets);
            metrics.forwardedBytes.addAndGet(bytes);
            metrics.kafkaRecords.incrementAndGet();
            metrics.forwardConnected.set(1);
            if (failing.compareAndSet(true, false)) {
                log.info("forward: {} acknowledges records again", target);
                metrics.forwardConnects.incrementAndGet();
            }
            return;
        }
        boolean unreachable = e instanceof TimeoutException || drainExpired();
        metrics.forwardDrop(unreachable ? ForwardDropReason.NOT_CONNECTED : ForwardDropReason.SEND_ERROR, packets);
        metrics.kafkaErrors.incrementAndGet();
        metrics.forwardConnected.set(0);
        if (failing.compareAndSet(false, true) && !drainExpired()) {
            log.warn("forward: {} did not take a record of {} packets: {}; such packets are counted as not "
                    + "forwarded ({})", target, packets, describe(e), unreachable ? "not_connected" : "send_error");
        }
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    protected void idle() {
        long now = System.nanoTime();
        if (retries != null && now - nextRetryCopyNanos >= 0) {
            nextRetryCopyNanos = now + RETRY_COPY_NANOS;
            Object v = retries.metricValue();
            if (v instanceof Number n) {
                metrics.kafkaRetries.set(n.longValue());
            }
        }
    }

    @Override
    protected void abort() {
        // From the drain watchdog: records still waiting fail at once, their callbacks count them.
        producer.close(Duration.ZERO);
    }

    @Override
    protected void finish() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.flush();
        } catch (KafkaException | IllegalStateException e) {
            // Closed by the drain watchdog meanwhile: its callbacks counted what was left.
            log.debug("forward: flush ended: {}", e.toString());
        }
        // Every callback has run once close returns: forwarded + dropped is the whole count.
        producer.close(Duration.ofMillis(Long.MAX_VALUE));
        idle();
        metrics.forwardConnected.set(0);
        log.info("forward: closed the producer to {}", target);
    }
}
