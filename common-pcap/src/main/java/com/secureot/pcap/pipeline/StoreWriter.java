package com.secureot.pcap.pipeline;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.store.AppendTracker;
import com.secureot.pcap.store.OutputSeries;
import com.secureot.pcap.store.Route;
import com.secureot.pcap.store.StoreBarrier;
import com.secureot.pcap.store.RotatingPcapStore;

/**
 * Stores the packets whose route (set by the publisher's router) names its store's partition;
 * runs on the store's own thread.
 */
public final class StoreWriter implements BatchConsumer {
    /**
     * Test hook, not a setting: {@code -Dsecureot.test.fail_writer=P:N} makes the writer of
     * partition P throw an internal error at its N-th packet, so that tests can see a writer
     * thread die on real traffic (its share counted as internal_error, the daemon exiting 70, the
     * other partitions' files complete). Read once; unset in production.
     */
    static final String FAIL_WRITER_PROPERTY = "secureot.test.fail_writer";

    private final RotatingPcapStore store;
    private final CaptureMetrics metrics;
    private final int partition;
    /** The packet of the current batch being stored: where to count from when storing threw. */
    private int position;
    /** Packets of its partition this writer stored or tried to (for the test hook). */
    private long owned;
    private final long failAt;

    public StoreWriter(RotatingPcapStore store, CaptureMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        this.partition = store.partition().index();
        this.failAt = failAt(System.getProperty(FAIL_WRITER_PROPERTY), partition);
    }

    /** The packet number of the test hook for {@code partition}, or Long.MAX_VALUE. */
    static long failAt(String hook, int partition) {
        if (hook == null || partition < 0) {
            return Long.MAX_VALUE;
        }
        String[] pn = hook.split(":");
        try {
            return Integer.parseInt(pn[0].trim()) == partition ? Long.parseLong(pn[1].trim()) : Long.MAX_VALUE;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(FAIL_WRITER_PROPERTY + ": \"" + hook + "\" (expected: PARTITION:PACKET)");
        }
    }

    @Override
    public void accept(PacketBatch b) {
        AppendTracker tracker = b.tracker;
        long interval = b.interval;
        Route[] routes = b.route;
        for (int i = 0; i < b.count; i++) {
            position = i;
            Route r = routes[i];
            if (r.partition() != partition) {
                continue; // another partition's writer stores it
            }
            OutputSeries s = store.series(r);
            if (++owned >= failAt) {
                throw new IllegalStateException("test hook " + FAIL_WRITER_PROPERTY + ": writer fails at packet " + owned);
            }
            store.write(s, b.linkType[i], b.nanoPrecision[i], b.snaplen[i], b.tsSeconds[i], b.tsFraction[i],
                    b.data, b.offset[i], b.capLen[i], b.origLen[i], tracker, interval);
        }
        position = b.count;
        StoreBarrier barrier = b.barrier;
        if (b.sourceEnded || barrier != null) {
            store.flushAll();
            if (b.stored != null) {
                b.stored.countDown();
            }
        }
        if (barrier != null) {
            if (!barrier.fsync() || store.forceAll()) {
                barrier.arrive();
            } else {
                barrier.fail();
            }
        }
        store.tick();
    }

    @Override
    public void tick() {
        store.tick();
    }

    @Override
    public void rejected(PacketBatch b) {
        if (b.barrier != null) {
            b.barrier.fail();
        }
        // Never for a lossless writer: its queue holds every batch of the pool, and after a
        // failure batches still go to its thread (see lost). Were it ever to happen, each writer
        // counts its own share (on the publisher's thread, which only reads the routes).
        countOwned(b, 0);
    }

    /** Counts the packets of this partition from {@code from} on: what it would have stored. */
    private void countOwned(PacketBatch b, int from) {
        long n = 0;
        Route[] routes = b.route;
        for (int i = from; i < b.count; i++) {
            if (routes[i].partition() == partition) {
                n++;
            }
        }
        if (n > 0) {
            metrics.drop(DropReason.INTERNAL_ERROR, n);
        }
    }

    @Override
    public void failedDuring(PacketBatch b) {
        countOwned(b, position);
    }

    @Override
    public void lost(PacketBatch b) {
        countOwned(b, 0);
    }

    @Override
    public void close() {
        store.close();
    }
}
