package com.secureot.pcap.store;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Passes through every writer thread behind a batch: each writes out what it buffers (and, with
 * {@code fsync}, forces its open files to disk) and arrives; after the last one, the records
 * published before the barrier are in their files, and {@code done} runs on that writer's thread.
 * A barrier is failed when a writer could not process it or a record was dropped meanwhile.
 */
public final class StoreBarrier {
    /** Runs once, on the thread of the last writer to arrive. */
    public interface Done {
        void stored(StoreBarrier barrier, boolean ok);
    }

    private final AtomicInteger remaining;
    private final boolean fsync;
    private final Done done;
    private final BooleanSupplier droppedMeanwhile;
    private final long interval;
    private volatile boolean failed;

    /**
     * @param writers the number of writer threads that see every batch
     * @param droppedMeanwhile true when a record was dropped since the barrier's interval began
     */
    public StoreBarrier(int writers, boolean fsync, long interval, BooleanSupplier droppedMeanwhile, Done done) {
        if (writers <= 0) {
            throw new IllegalArgumentException("writers: " + writers + " (expected: > 0)");
        }
        this.remaining = new AtomicInteger(writers);
        this.fsync = fsync;
        this.interval = interval;
        this.droppedMeanwhile = droppedMeanwhile;
        this.done = done;
    }

    public boolean fsync() {
        return fsync;
    }

    /** The interval of records this barrier closes. */
    public long interval() {
        return interval;
    }

    /** A writer stored its share of the records before the barrier. */
    public void arrive() {
        if (remaining.decrementAndGet() == 0) {
            done.stored(this, !failed && !droppedMeanwhile.getAsBoolean());
        }
    }

    /** A writer could not store its share (it failed, or forcing its files failed). */
    public void fail() {
        failed = true;
        arrive();
    }
}
