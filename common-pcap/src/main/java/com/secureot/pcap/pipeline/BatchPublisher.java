package com.secureot.pcap.pipeline;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.packet.PacketHandler;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.store.AppendTracker;
import com.secureot.pcap.store.Route;
import com.secureot.pcap.store.StoreBarrier;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The source side of a pipeline: copies packets into pooled batches and hands full (or old)
 * batches to every consumer. Owned by the source thread. A live source must never wait, so when
 * no batch is free the packet is dropped and counted; a replay or a TCP sender waits instead, and
 * the packet ring, whose kernel keeps capturing into its other blocks meanwhile, asks for room
 * ({@link #room}) and waits for a batch ({@link #awaitBatch}) without dropping.
 */
public final class BatchPublisher implements PacketHandler {
    private final BatchPool pool;
    private final List<ConsumerWorker> consumers;
    private final PacketRouter router;
    private final CaptureMetrics metrics;
    private final boolean waitWhenFull;
    private final long maxAgeNanos;
    private PacketBatch current;
    private long currentSince;
    private long pendingPackets;
    private long pendingBytes;
    /** An acknowledged stream's publisher: its batches carry the tracker and the current interval. */
    private AppendTracker tracker;
    private long interval;

    /**
     * @param maxAgeMillis a batch is handed over at the latest this long after its first packet
     *                     (checked by {@link #flushIfOlder}), so a quiet link is still written
     * @param router this publisher's own (see {@link Pipeline#newRouter}): routes each batch's
     *               packets as it is handed over, for every store writer; null when no consumer
     *               stores packets
     */
    public BatchPublisher(BatchPool pool, List<ConsumerWorker> consumers, PacketRouter router, CaptureMetrics metrics,
                          boolean waitWhenFull, long maxAgeMillis) {
        this.pool = pool;
        this.consumers = List.copyOf(consumers);
        this.router = router;
        this.metrics = metrics;
        this.waitWhenFull = waitWhenFull;
        this.maxAgeNanos = maxAgeMillis * 1_000_000L;
    }

    @Override
    public void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int fraction, boolean nano,
                       int snaplen) throws InterruptedException {
        add(buf, off, capLen, origLen, linkType, sec, fraction, nano, snaplen, null);
    }

    /** A replayed packet, copied once: from the file reader's buffer straight into the batch. */
    @Override
    public void packet(ByteBuffer buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                       boolean nano, int snaplen) throws InterruptedException {
        PacketBatch b = reserve(capLen);
        if (b != null) {
            buf.get(off, b.data, b.used, capLen);
            commit(capLen, origLen, linkType, sec, fraction, nano, snaplen, null);
        }
    }

    /** Adds one packet; {@code origin} names its sender (collector), or null. */
    public void add(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int fraction, boolean nano,
                    int snaplen, Object origin) throws InterruptedException {
        PacketBatch b = reserve(capLen);
        if (b != null) {
            System.arraycopy(buf, off, b.data, b.used, capLen);
            commit(capLen, origLen, linkType, sec, fraction, nano, snaplen, origin);
        }
    }

    /**
     * Room for a packet of {@code capLen} bytes: the batch to write it into at
     * {@code data[used..]} before {@link #commit}, or null when no batch was free (the packet is
     * then counted as dropped, queue_full). Lets a native source copy once, straight from libpcap.
     */
    public PacketBatch reserve(int capLen) throws InterruptedException {
        if (current != null && !current.fits(capLen)) {
            flush();
        }
        if (current == null && !acquire()) {
            metrics.captured.incrementAndGet();
            metrics.capturedBytes.addAndGet(capLen);
            metrics.drop(DropReason.QUEUE_FULL, 1);
            return null;
        }
        if (!current.fits(capLen)) {
            throw new IllegalArgumentException("packet of " + capLen + " bytes is larger than a batch");
        }
        return current;
    }

    /**
     * True when a packet of {@code capLen} bytes can be added now without waiting or dropping:
     * an event-loop source asks first and, on false, stops reading until a batch is free
     * (back-pressure) instead of blocking its thread. Hands the current batch over if the packet
     * does not fit in it.
     */
    public boolean room(int capLen) {
        if (current != null) {
            if (current.fits(capLen)) {
                return true;
            }
            flush();
        }
        PacketBatch b = pool.poll();
        if (b == null) {
            return false;
        }
        begin(b);
        return true;
    }

    /**
     * After {@link #room} returned false: waits up to {@code millis} for a batch to be free and
     * makes it the current one. A source that can hold its packets meanwhile (the kernel's packet
     * ring) waits here instead of dropping them, then asks {@link #room} again.
     */
    public void awaitBatch(long millis) throws InterruptedException {
        if (current == null) {
            PacketBatch b = pool.poll(millis);
            if (b != null) {
                begin(b);
            }
        }
    }

    /** After {@link #room} returned true: the batch to write the packet into at {@code data[used..]}, then {@link #commit}. */
    public PacketBatch roomBatch() {
        return current;
    }

    /** Records the packet written after {@link #reserve} returned a batch. */
    public void commit(int capLen, int origLen, int linkType, long sec, int fraction, boolean nano, int snaplen,
                       Object origin) {
        current.commit(capLen, origLen, linkType, sec, fraction, nano, snaplen, origin);
        pendingPackets++;
        pendingBytes += capLen;
    }

    /**
     * Routes every packet of the batch, once, for all the writers. Here, at hand-over, rather than
     * as each packet is added: the batch was just filled on this core, so its headers are still
     * in its cache, and the per-packet loops of the sources (the ring walk, the stream decoders)
     * stay small enough for the JIT to compile them whole, without the router's look-up inlined
     * into each.
     */
    private void route(PacketBatch b) {
        Route[] routes = b.route;
        for (int i = 0, n = b.count; i < n; i++) {
            routes[i] = router.route(b, i);
        }
    }

    private boolean acquire() throws InterruptedException {
        PacketBatch b = pool.poll();
        while (b == null && waitWhenFull) {
            b = pool.poll(100);
        }
        if (b == null) {
            return false;
        }
        begin(b);
        return true;
    }

    /** Makes {@code b} the batch being filled, in the current interval. */
    private void begin(PacketBatch b) {
        current = b;
        b.tracker = tracker;
        b.interval = interval;
        currentSince = System.nanoTime();
    }

    /** Marks every later batch as an acknowledged stream's, in {@code firstInterval} and after. */
    public void track(AppendTracker t, long firstInterval) {
        flush();
        tracker = t;
        interval = firstInterval;
    }

    /** The interval the next records belong to. */
    public long interval() {
        return interval;
    }

    /**
     * Hands the current batch over (an empty one if nothing is pending) with {@code barrier}
     * behind its records, and starts the next interval. Never waits: false when no batch is free
     * (the caller tries again later, as an event loop must).
     */
    public boolean tryBarrier(StoreBarrier barrier) {
        if (current == null) {
            PacketBatch b = pool.poll();
            if (b == null) {
                return false;
            }
            begin(b);
        }
        current.barrier = barrier;
        hand(false);
        interval++;
        return true;
    }

    /** Hands the current batch over if it has waited longer than the maximum age. */
    public void flushIfOlder() {
        if (current != null && System.nanoTime() - currentSince >= maxAgeNanos) {
            flush();
        }
    }

    /** Hands the current batch, if any, to every consumer. */
    public void flush() {
        hand(false);
    }

    /**
     * The source ended (a sensor disconnected): hands the current batch over marked so that the
     * consumers write out what they buffer after storing it. With nothing pending and no free
     * batch to carry the mark, the flush period does it.
     */
    public void flushSourceEnded() {
        if (current == null) {
            current = pool.poll();
            if (current == null) {
                return;
            }
        }
        hand(true);
    }

    /**
     * Hands the current batch (or an empty one, waiting for a free batch) over marked so that the
     * storing consumers write out what they buffer and then count {@code stored} down: once it
     * reaches zero, every packet added before this call is in its file (written, not synced).
     */
    public void barrier(java.util.concurrent.CountDownLatch stored) throws InterruptedException {
        if (current == null) {
            while ((current = pool.poll(100)) == null) {
                // every batch is in the writers' queues: they free one as they write
            }
            currentSince = System.nanoTime();
        }
        current.stored = stored;
        hand(true);
    }

    private void hand(boolean sourceEnded) {
        PacketBatch b = current;
        if (b == null) {
            return;
        }
        current = null;
        b.sourceEnded = sourceEnded;
        if (b.count == 0 && !sourceEnded && b.barrier == null) {
            b.retainFor(1);
            b.release();
            return;
        }
        // Count before handing over, so that captured >= written + dropped at every moment.
        metrics.captured.addAndGet(pendingPackets);
        metrics.capturedBytes.addAndGet(pendingBytes);
        pendingPackets = 0;
        pendingBytes = 0;
        if (router != null) {
            route(b);
        }
        b.retainFor(consumers.size());
        for (ConsumerWorker c : consumers) {
            c.offer(b);
        }
    }
}
