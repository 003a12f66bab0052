package com.secureot.remote.sot2;

import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.store.StoreBarrier;
import com.secureot.pcap.wire.Sot2;
import com.secureot.pcap.wire.Sot2Decoder;
import com.secureot.pcap.wire.Sot2Exception;
import com.secureot.remote.sequence.SequenceRanges;
import com.secureot.remote.sender.Sender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static com.secureot.pcap.wire.Sot2Exception.Kind.BAD_HELLO;
import static com.secureot.pcap.wire.Sot2Exception.Kind.BAD_SEQUENCE;

/**
 * The collector's side of one SOT2 connection, whatever carries its bytes: {@link #received}
 * takes what arrived, records go to the connection's publisher (a resent record already stored
 * is dropped and counted as a duplicate), and welcome and acknowledgements go to an
 * {@link Output}. A record is acknowledged once a barrier behind it passed every writer (its
 * bytes written to the OS, or forced to disk with {@code durability: fsync}) and the stream's
 * journal committed it. Owned by one thread (the connection's event loop) and never blocks it:
 * without room the decoder stops and the caller feeds the rest later; the barrier's completion
 * comes from a writer thread, touches only the journal and the output, and hands further work
 * back to the session's thread through {@link Output#later}.
 */
public final class Sot2Session implements Sot2Decoder.Handler {
    private static final Logger log = LoggerFactory.getLogger(Sot2Session.class);

    /** Where the session's frames go; called from the session's thread and from writer threads. */
    public interface Output {
        /** Sends one whole frame (the buffer is read from position to limit before returning). */
        void send(ByteBuffer frame) throws IOException;

        /** Ends the connection (another connection of the same stream takes over, or storing failed). */
        void close();

        /** Runs {@code task} on the session's thread after {@code delayMillis}. */
        void later(Runnable task, long delayMillis);

        /**
         * The sender this stream's packets are from once its hello named it {@code sensorId}
         * (routing rules by {@code name}, {@code {sender_name}}); by default the connection's own.
         */
        default Sender named(String sensorId, Sender connection) {
            return connection;
        }
    }

    /** How often a stream end retries its last barrier while every batch is in use. */
    private static final long RETRY_MILLIS = 10;

    private final Sot2Streams streams;
    private final BatchPublisher publisher;
    /** The connection's sender, then (after the hello) the one named by the stream's sensor id. */
    private Sender sender;
    private final int writers;
    private final CollectorMetrics metrics;
    private final String peerIdentity;
    private final Output out;
    private final String where;
    private final Sot2Decoder decoder;
    private StreamJournal journal;
    private String sensorId;
    // Records since the last count hand-over, and the run of new sequences being published.
    private long runFirst = -1;
    private long runLast;
    private long records;
    private long bytes;
    private long duplicates;
    /** Whether records were published since the last barrier was issued. */
    private boolean unbarriered;
    private volatile boolean barrierInFlight;
    private volatile boolean failed;
    private long droppedAtLastBarrier;
    /** The highest sequence published to the stream (only this session publishes while it holds it). */
    private long publishedMax;
    private boolean ended;

    /**
     * @param writers the writer threads every batch passes (for the barrier)
     * @param peerIdentity the name the transport proved (TLS certificate); null: the hello's sensor id
     */
    public Sot2Session(Sot2Streams streams, BatchPublisher publisher, Sender sender, int writers,
                       CollectorMetrics metrics, int maxSnaplen, String peerIdentity, Output out, String where) {
        this.streams = streams;
        this.publisher = publisher;
        this.sender = sender;
        this.writers = writers;
        this.metrics = metrics;
        this.peerIdentity = peerIdentity;
        this.out = out;
        this.where = where;
        this.decoder = new Sot2Decoder(this, maxSnaplen);
    }

    /**
     * Takes bytes as they arrive, in pieces of any size; returns how many it consumed (fewer when
     * the writers' batches are all in use: the caller stops reading and feeds the rest later).
     */
    public int received(byte[] b, int off, int len) throws Sot2Exception, InterruptedException {
        if (ended) {
            throw new Sot2Exception(BAD_SEQUENCE, "the stream was taken over by a newer connection");
        }
        checkFailed();
        return decoder.feed(b, off, len);
    }

    /** Frames read whole so far. */
    public long frames() {
        return decoder.frames();
    }

    /** True when no frame is half read. */
    public boolean atBoundary() {
        return decoder.atBoundary();
    }

    /** The sensor's name once the hello was read, else null. */
    public String sensorId() {
        return sensorId;
    }

    /** After each read, and when a barrier completes: pending records go behind a barrier, to be acknowledged. */
    public void idle() throws Sot2Exception {
        checkFailed();
        if (ended || journal == null) {
            return;
        }
        hand();
        if (unbarriered && !barrierInFlight) {
            issueBarrier();
        }
    }

    /**
     * The connection ended (closed, cut, or stopping): what was published is committed behind a
     * last barrier, and only then may another connection of the stream take over. Session thread.
     */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (journal == null) {
            return;
        }
        hand();
        finalBarrier(journal, journal.snapshot());
    }

    private void finalBarrier(StreamJournal j, SequenceRanges upTo) {
        StoreBarrier last = new StoreBarrier(writers, streams.fsync(), publisher.interval(), droppedSince(),
                (barrier, ok) -> {
                    if (ok && !failed) {
                        j.commit(barrier.interval(), upTo);
                    } else {
                        j.uncommittedLost();
                    }
                    j.release(this);
                });
        if (!publisher.tryBarrier(last)) {
            out.later(() -> finalBarrier(j, upTo), RETRY_MILLIS); // every batch in use: soon one is free
        }
    }

    @Override
    public void hello(int versionMin, int versionMax, long streamId, String helloId) throws Sot2Exception {
        if (versionMin > Sot2.VERSION || versionMax < Sot2.VERSION) {
            refuse(Sot2.VERSION_UNSUPPORTED, "SOT2 versions " + versionMin + ".." + versionMax
                    + " offered; this collector speaks version " + Sot2.VERSION);
        }
        // With TLS the certificate is the identity: a hello naming another sensor is a label, not a
        // claim (forward.sensor_id defaults to the host name); files and stream state go by the certificate.
        String id = peerIdentity != null ? peerIdentity : helloId;
        if (!Sot2.validSensorId(id)) {
            refuse(Sot2.REFUSED, (peerIdentity != null ? "client certificate name \"" : "sensor id \"") + id
                    + "\" is not allowed as a sensor id (1-255 letters, digits, . _ - : @)");
        }
        if (peerIdentity != null && !peerIdentity.equals(helloId) && streams.firstRename(peerIdentity, helloId)) {
            log.warn("{}: the SOT2 hello names the sensor {}, its client certificate {}: the certificate's name is "
                    + "used (logged once per name)", where, helloId, peerIdentity);
        }
        StreamJournal j;
        try {
            j = streams.journal(id, streamId);
        } catch (IOException e) {
            throw new Sot2Exception(BAD_HELLO, "cannot keep the state of sensor " + id + " (" + e.getMessage()
                    + ")");
        }
        if (!j.take(this)) {
            // Still held by an earlier connection (half-open after a network cut, or a reconnect
            // faster than its end): that one is closed, its records committed, and the sensor's
            // next attempt (its back-off) takes over. Waiting here would block the event loop.
            if (j.holder() instanceof Sot2Session old) {
                log.info("{}: sensor {} reconnected; its previous connection ({}) is closed first", where, id,
                        old.where);
                old.out.close();
            }
            refuse(Sot2.REFUSED, "stream " + Long.toHexString(streamId) + " of sensor " + id
                    + " is still held by its previous connection; try again");
        }
        journal = j;
        sensorId = id;
        sender = out.named(id, sender);
        publishedMax = j.snapshot().max();
        publisher.track(j, j.nextInterval());
        droppedAtLastBarrier = metrics.storage.droppedTotal();
        long resume = j.contiguous();
        ByteBuffer w = ByteBuffer.allocate(Sot2.WELCOME_FIXED_BYTES + Sot2.MAX_TEXT_BYTES);
        Sot2.putWelcome(w, Sot2.VERSION, Sot2.ACCEPTED, resume, id);
        send(w.flip());
        log.info("{}: sensor {} stream {} connected (SOT2 v{}); stored up to {}", where, id,
                Long.toHexString(streamId), Sot2.VERSION, resume);
    }

    private void refuse(int status, String why) throws Sot2Exception {
        ByteBuffer w = ByteBuffer.allocate(Sot2.WELCOME_FIXED_BYTES + Sot2.MAX_TEXT_BYTES);
        Sot2.putWelcome(w, Sot2.VERSION, status, 0, why);
        send(w.flip());
        throw new Sot2Exception(BAD_HELLO, why);
    }

    @Override
    public void batch(long firstSequence, int count, int snaplen) {
    }

    @Override
    public boolean room(int capLen) {
        return publisher.room(capLen);
    }

    @Override
    public void record(long sequence, long tsNanos, int origLen, int linkType, int flags, int snaplen, byte[] data,
                       int off, int capLen) throws Sot2Exception, InterruptedException {
        // Past everything published: new, and no lock taken (the live case, record after record).
        boolean fresh = sequence > publishedMax;
        if (!fresh && ((runFirst >= 0 && sequence >= runFirst && sequence <= runLast)
                || journal.isPublished(sequence))) {
            duplicates++; // a resend after a lost acknowledgement, or a backfill overlapping live records
            return;
        }
        if (runFirst < 0 || sequence != runLast + 1) {
            closeRun();
            runFirst = sequence;
        }
        runLast = sequence;
        if (fresh) {
            publishedMax = sequence;
        }
        publisher.add(data, off, capLen, origLen, linkType, Sot2.recordSeconds(tsNanos, flags),
                Sot2.recordFraction(tsNanos, flags), (flags & Sot2.RECORD_NANO) != 0, snaplen, sender);
        records++;
        bytes += capLen;
    }

    @Override
    public void batchEnd() {
        hand();
        if (!barrierInFlight && unbarriered) {
            issueBarrier();
        }
    }

    @Override
    public void skip(long first, long last, int reason) throws Sot2Exception {
        closeRun();
        long known = journal.overlap(first, last);
        if (!journal.published(first, last)) {
            throw new Sot2Exception(BAD_SEQUENCE, "SOT2 skip [" + first + ", " + last + "] leaves too many gaps");
        }
        long n = last - first + 1 - known;
        metrics.sot2Skipped.addAndGet(n);
        unbarriered = true;
        log.warn("{}: sensor {} dropped records {}..{} before they were stored ({} new; reason {})", where, sensorId,
                first, last, n, reason == Sot2.SKIP_SPOOL_FULL ? "spool_full" : String.valueOf(reason));
    }

    @Override
    public void keepalive() throws Sot2Exception {
        if (!barrierInFlight) {
            ack(journal.contiguous());
        }
    }

    /** Marks the run of new records as published and hands the counts over. */
    private void hand() {
        closeRun();
        if (records > 0 || duplicates > 0) {
            sender.received(records, bytes);
            metrics.tcpPackets.addAndGet(records);
            metrics.tcpBytes.addAndGet(bytes);
            metrics.sot2Records.addAndGet(records);
            metrics.sot2Duplicates.addAndGet(duplicates);
            records = 0;
            bytes = 0;
            duplicates = 0;
        }
    }

    private void closeRun() {
        if (runFirst >= 0) {
            if (!journal.published(runFirst, runLast)) {
                failed = true; // checked at the next read: a sensor sending at random is cut
            }
            runFirst = -1;
            unbarriered = true;
        }
    }

    private java.util.function.BooleanSupplier droppedSince() {
        long before = droppedAtLastBarrier;
        droppedAtLastBarrier = metrics.storage.droppedTotal();
        return () -> metrics.storage.droppedTotal() > before;
    }

    private void issueBarrier() {
        StreamJournal j = journal;
        SequenceRanges upTo = j.snapshot();
        StoreBarrier b = new StoreBarrier(writers, streams.fsync(), publisher.interval(), droppedSince(),
                (barrier, ok) -> stored(j, barrier, upTo, ok));
        // Set before the hand-over: a writer may complete the barrier before tryBarrier returns.
        barrierInFlight = true;
        if (publisher.tryBarrier(b)) {
            unbarriered = false;
        } else {
            barrierInFlight = false; // every batch in use; the next read or barrier completion tries again
        }
    }

    /** On the last writer's thread: commit, then acknowledge. */
    private void stored(StreamJournal j, StoreBarrier barrier, SequenceRanges upTo, boolean ok) {
        if (ok && !failed && j.commit(barrier.interval(), upTo)) {
            barrierInFlight = false;
            ack(upTo.contiguous());
            out.later(this::idleQuietly, 0); // records that came meanwhile get the next barrier
            return;
        }
        if (!failed) {
            log.error("{}: records of sensor {} could not be stored (see above); the connection is closed so that "
                    + "the sensor sends them again", where, sensorId);
        }
        failed = true;
        j.uncommittedLost();
        barrierInFlight = false;
        out.close();
    }

    private void idleQuietly() {
        try {
            idle();
        } catch (Sot2Exception e) {
            out.close(); // failed meanwhile: the read path reports it
        }
    }

    private void ack(long sequence) {
        ByteBuffer a = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES + 8).order(ByteOrder.BIG_ENDIAN);
        Sot2.putAck(a, sequence);
        try {
            out.send(a.flip());
            metrics.sot2Acks.incrementAndGet();
        } catch (IOException e) {
            log.debug("{}: ack {} not sent: {}", where, sequence, e.getMessage());
        }
    }

    private void send(ByteBuffer frame) throws Sot2Exception {
        try {
            out.send(frame);
        } catch (IOException e) {
            throw new Sot2Exception(BAD_HELLO, "cannot answer the hello: " + e.getMessage());
        }
    }

    private void checkFailed() throws Sot2Exception {
        if (failed) {
            throw new Sot2Exception(BAD_SEQUENCE, "records not stored or sent out of order (more than "
                    + SequenceRanges.MAX_RANGES + " gaps); closed so that the sensor sends them again");
        }
    }
}
