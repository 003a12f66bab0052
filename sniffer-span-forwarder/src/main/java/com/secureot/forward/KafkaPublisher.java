package com.secureot.forward;

import com.secureot.forward.spool.Cursor;
import com.secureot.forward.spool.Spool;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.wire.Sot2;
import com.secureot.pcap.wire.SotkRecord;
import com.secureot.pcap.wire.SotkRecordWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The thread that publishes the spool to Apache Kafka ({@code forward.protocol: kafka}): reads
 * the spool from the first unacknowledged record on, turns the records into SOTK records
 * (docs/wire-formats.md) keyed by {@code forward.sensor_id}, whose {@code stream_epoch} is the
 * spool's stream id and whose sequence numbers are the spool's, and frees the spool as the
 * brokers acknowledge (acks=all, idempotent producer), in order: the spool's acknowledged mark
 * only moves over a contiguous run of acknowledged records.
 *
 * <p>The producer holds at most {@link KafkaTarget#windowBytes} unacknowledged at a time; the rest waits in
 * the spool, on disk. It never gives a record up for time (delivery.timeout.ms is unbounded),
 * so an outage only delays records. A refusal that is the record's own (too large for the
 * brokers, invalid) counts its packets {@code send_error} and the stream goes on; any other
 * refusal (authorization, a fatal producer error) closes the producer, waits with back-off and
 * publishes again from the first unacknowledged record with a new one: the collector skips what
 * it stored already. The records handed to the producer after the refused one cannot be called
 * back: those the brokers accept anyway are in the topic before the refused one comes again, so
 * a record may come behind its successor. Keeping the order would mean one record in flight at
 * a time; the collector instead keeps the numbers it stored as ranges and stores such a record
 * (docs/wire-formats.md).
 */
final class KafkaPublisher implements SpoolSender {
    private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
    /** Unacknowledged bytes the producer may hold: enough for the requests in flight, no more. */
    private final long windowBytes;
    private static final int MAX_RECORDS_PER_FILL = SotkRecord.MAX_PACKETS;
    private static final long RETRY_COPY_NANOS = 1_000_000_000L;
    private static final long WAIT_MILLIS = 50;
    /** In {@link #ready} for a range of records the spool lost before they were read: nothing to send. */
    private static final byte[] SKIP = new byte[0];

    /** One SOTK record handed to the producer: its packets' spool sequences, and its verdict. */
    private static final class Pending {
        final long first;
        final long last;
        final long bytes;
        /** The producer it was handed to: a closed producer's verdicts are ignored. */
        int generation;
        /** 0 waiting, 1 acknowledged, 2 refused (its packets count send_error), 3 nothing to publish (a skip). */
        int state;

        Pending(long first, long last, long bytes) {
            this.first = first;
            this.last = last;
            this.bytes = bytes;
        }
    }

    private final KafkaTarget target;
    private final CaptureMetrics metrics;
    private final Spool spool;
    private final Supplier<Producer<byte[], byte[]>> producers;
    private final String topic;
    private final byte[] key;
    private final SotkRecordWriter writer;
    private final Backoff backoff;
    private final Thread thread;
    private final int fillBytes;
    private final ByteBuffer fill;
    /** SOTK records built from the last fill and not handed to the producer yet (publish thread). */
    private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
    private final ArrayDeque<Pending> readyMeta = new ArrayDeque<>();
    /** Records handed to the producer, in order; guarded by this. */
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private long inFlightBytes;
    private int generation;
    /** The highest sequence handed to a producer by this process. */
    private long handedUpTo;
    /** Set by a callback run inside send on this thread: no metadata in time, the record was not taken. */
    private boolean notTaken;
    /** Set by a callback: the producer must be replaced (guarded by this). */
    private Exception broken;
    private volatile boolean stopping;
    private boolean acknowledging;
    private boolean outageLogged;
    private Metric retries;
    /** Retries of the producers closed before the current one. */
    private long retriesBefore;
    private long nextRetryCopyNanos;

    KafkaPublisher(KafkaTarget target, ForwardConfig cfg, CaptureMetrics metrics, Spool spool) {
        this(target, cfg, metrics, spool, () -> new KafkaProducer<>(target.producerProperties()));
    }

    KafkaPublisher(KafkaTarget target, ForwardConfig cfg, CaptureMetrics metrics, Spool spool,
                   Supplier<Producer<byte[], byte[]>> producers) {
        this.target = target;
        this.metrics = metrics;
        this.spool = spool;
        this.producers = producers;
        this.topic = cfg.kafka().topic();
        this.key = cfg.sensorId().getBytes(StandardCharsets.US_ASCII);
        int max = target.maxRecordBytes();
        this.writer = new SotkRecordWriter(cfg.sensorId(), spool.streamId(), 0, max);
        // A fill is at most one record's worth, but always room for one packet of the largest snaplen.
        this.fillBytes = Math.max(Math.min(max, 1 << 20), SotkRecord.MAX_CAPLEN + Sot2.RECORD_HEADER_BYTES);
        this.fill = ByteBuffer.allocate(fillBytes).order(ByteOrder.BIG_ENDIAN);
        this.windowBytes = target.windowBytes();
        this.backoff = new Backoff(500, 30_000);
        this.thread = new Thread(this::run, "forward-kafka");
        thread.setDaemon(true);
        metrics.kafka = true;
        log.info("forward: publishing to {} (stream {}, spool from sequence {})", target,
                Long.toHexString(spool.streamId()), spool.acked() + 1);
    }

    @Override
    public void start() {
        thread.start();
    }

    private void run() {
        while (!stopping) {
            Producer<byte[], byte[]> producer;
            try {
                producer = producers.get();
            } catch (KafkaException e) {
                outage(e);
                sleep(backoff.next());
                continue;
            }
            retries = metric(producer, "record-retry-total");
            Exception why = null;
            try (Cursor cursor = spool.cursor(spool.acked() + 1)) {
                why = publish(producer, cursor);
            } catch (IOException e) {
                why = e;
                log.error("forward: cannot read the spool: {}", e.getMessage());
            } catch (InterruptException e) {
                // close(): stopping is set
            } finally {
                synchronized (this) {
                    generation++;
                    inFlight.clear();
                    inFlightBytes = 0;
                    broken = null;
                    notifyAll();
                }
                ready.clear();
                readyMeta.clear();
                copyRetries();
                retriesBefore = metrics.kafkaRetries.get();
                retries = null;
                // An interrupt (close) would cut the wait for the producer's thread short.
                boolean interrupted = Thread.interrupted();
                // Records not acknowledged are in the spool: they are read again, by the next producer or run.
                producer.close(Duration.ZERO);
                if (interrupted) {
                    stopping = true;
                }
            }
            if (why != null && !stopping) {
                outage(why);
                sleep(backoff.next());
            }
        }
    }

    /** Publishes from the cursor until stopped or the producer must go; returns why it must go. */
    private Exception publish(Producer<byte[], byte[]> producer, Cursor cursor) throws IOException {
        while (!stopping) {
            synchronized (this) {
                if (broken != null) {
                    return broken;
                }
                if (inFlightBytes >= windowBytes) {
                    waitQuietly(WAIT_MILLIS);
                    continue;
                }
            }
            idle();
            if (ready.isEmpty() && !refill(cursor)) {
                try {
                    spool.awaitAfter(cursor.next() - 1, WAIT_MILLIS);
                } catch (InterruptedException e) {
                    return null;
                }
                continue;
            }
            Pending p = readyMeta.peek();
            byte[] value = ready.peek();
            if (value == SKIP) {
                // Records the spool lost before they were read (counted then): the mark goes past them.
                ready.poll();
                readyMeta.poll();
                handOver(p);
                continue;
            }
            handOver(p);
            notTaken = false;
            try {
                producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> completed(p, e));
            } catch (InterruptException e) {
                withdraw(p);
                return null;
            } catch (KafkaException | IllegalStateException e) {
                withdraw(p);
                return e;
            }
            if (notTaken) {
                // No metadata (or buffer space) within max.block.ms: the brokers are away. The record
                // was not taken; it stays first in line and is sent again.
                withdraw(p);
                outage(new TimeoutException("no metadata for topic " + topic + " within max.block.ms"));
                continue;
            }
            taken(p);
            ready.poll();
            readyMeta.poll();
        }
        return null;
    }

    /** Reads the next records of the spool into {@link #ready}; false when there are none yet. */
    private boolean refill(Cursor cursor) throws IOException {
        fill.clear();
        long first = cursor.next();
        int n = cursor.fill(fill, MAX_RECORDS_PER_FILL, Long.MAX_VALUE);
        if (n < 0) {
            if (cursor.skippedCorrupt()) {
                metrics.forwardDrop(ForwardDropReason.SPOOL_ERROR, cursor.skippedLast() - cursor.skippedFirst() + 1);
            }
            Pending skip = new Pending(cursor.skippedFirst(), cursor.skippedLast(), 0);
            skip.state = 3;
            ready.add(SKIP);
            readyMeta.add(skip);
            return true;
        }
        if (n == 0) {
            return false;
        }
        byte[] d = fill.array();
        int at = 0;
        long seq = first;
        int linkType = -1;
        boolean nano = false;
        boolean fields = false;
        long recordFirst = first;
        long bytes = 0;
        int snaplen = Math.max(1, Math.min(cursor.snaplen(), SotkRecord.MAX_CAPLEN));
        for (int i = 0; i < n; i++) {
            long ts = fill.getLong(at);
            int orig = fill.getInt(at + 8);
            int cap = fill.getInt(at + 12);
            int link = fill.getShort(at + 16) & 0xFFFF;
            int flags = fill.getShort(at + 18) & 0xFFFF;
            boolean ns = (flags & Sot2.RECORD_NANO) != 0;
            // A packet whose fraction is out of range (its timestamp held as its fields) goes in a
            // record of fields timestamps; the spool holds the timestamp in the SOTK form already.
            boolean fs = (flags & Sot2.RECORD_FIELDS) != 0;
            if (writer.count() > 0 && (link != linkType || ns != nano || fs != fields || !writer.fits(cap))) {
                finishRecord(recordFirst, seq - 1, bytes);
                bytes = 0;
            }
            if (writer.count() == 0) {
                linkType = link;
                nano = ns;
                fields = fs;
                recordFirst = seq;
                writer.start(linkType, snaplen, nano, fields, seq);
            }
            writer.addEncoded(ts, orig, d, at + Sot2.RECORD_HEADER_BYTES, cap);
            bytes += cap;
            at += Sot2.RECORD_HEADER_BYTES + cap;
            seq++;
        }
        finishRecord(recordFirst, seq - 1, bytes);
        return true;
    }

    private void finishRecord(long first, long last, long bytes) {
        ready.add(writer.finish());
        readyMeta.add(new Pending(first, last, bytes));
    }

    /** A record the producer took: packets handed to a producer before (since closed) count as resent. */
    private void taken(Pending p) {
        if (p.first <= handedUpTo) {
            metrics.forwardResent.addAndGet(Math.min(p.last, handedUpTo) - p.first + 1);
        }
        handedUpTo = Math.max(handedUpTo, p.last);
    }

    private synchronized void handOver(Pending p) {
        p.generation = generation;
        inFlight.add(p);
        inFlightBytes += p.bytes;
        if (p.state != 0) {
            advance();
        }
    }

    /** A send that threw: the record was not taken and stays first in {@link #ready}. */
    private synchronized void withdraw(Pending p) {
        if (inFlight.peekLast() == p) {
            inFlight.pollLast();
            inFlightBytes -= p.bytes;
        }
    }

    /** The producer's verdict on one record, on its I/O thread. */
    private void completed(Pending p, Exception e) {
        synchronized (this) {
            if (p.generation != generation) {
                return; // a closed producer's: its records are read from the spool again
            }
            if (e instanceof TimeoutException && Thread.currentThread() == thread) {
                notTaken = true; // inside send: see publish
                return;
            }
            if (e == null) {
                p.state = 1;
            } else if (e instanceof RecordTooLargeException || e instanceof InvalidRecordException) {
                p.state = 2;
                metrics.kafkaErrors.incrementAndGet();
                log.warn("forward: {} refused a record of packets {}..{}: {}; they are counted send_error", target,
                        p.first, p.last, describe(e));
            } else {
                metrics.kafkaErrors.incrementAndGet();
                if (broken == null) {
                    broken = e;
                }
                return;
            }
            advance();
        }
    }

    /** Acknowledges the spool over the leading run of decided records. Holding this. */
    private void advance() {
        boolean acked = false;
        while (!inFlight.isEmpty() && inFlight.peek().state != 0) {
            Pending p = inFlight.poll();
            inFlightBytes -= p.bytes;
            // Counted under the spool's lock: a record the spool dropped meanwhile (full) is not counted twice.
            long newly = spool.ackUpTo(p.last);
            if (p.state == 1) {
                metrics.forwarded.addAndGet(newly);
                metrics.forwardedBytes.addAndGet(p.bytes);
                metrics.kafkaRecords.incrementAndGet();
                acked = true;
            } else if (p.state == 2) {
                metrics.forwardDrop(ForwardDropReason.SEND_ERROR, newly);
            }
        }
        if (acked && !acknowledging) {
            acknowledging = true;
            metrics.forwardConnected.set(1);
            metrics.forwardConnects.incrementAndGet();
            if (outageLogged) {
                outageLogged = false;
                log.info("forward: {} acknowledges records again", target);
            }
            backoff.reset();
        }
        notifyAll();
    }

    private synchronized void outage(Exception e) {
        metrics.forwardConnected.set(0);
        acknowledging = false;
        if (!outageLogged) {
            outageLogged = true;
            log.warn("forward: {} does not take records: {}; packets wait in the spool", target, describe(e));
        } else {
            log.debug("forward: {} does not take records: {}", target, describe(e));
        }
    }

    private void idle() {
        long now = System.nanoTime();
        if (now - nextRetryCopyNanos >= 0) {
            nextRetryCopyNanos = now + RETRY_COPY_NANOS;
            copyRetries();
        }
    }

    private void copyRetries() {
        Metric r = retries;
        if (r != null && r.metricValue() instanceof Number n) {
            metrics.kafkaRetries.set(retriesBefore + n.longValue());
        }
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
    public void gauges() {
        // The backlog gauges are the spool's (SpooledSink); the producer's retries are copied by the thread.
    }

    @Override
    public synchronized boolean awaitAcked(long seq, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (spool.acked() < seq) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(Math.min(left, 100));
        }
        return true;
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            stopping = true;
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            stopping = true;
        }
    }

    private static String describe(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.forwardConnected.set(0);
        log.info("forward: closed the producer to {}", target);
    }
}
