package com.secureot.pcap.packet;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fixed set of batches a pipeline owns: the memory between its source and its consumers.
 * When every batch is in use the source either waits (replay of a file, a TCP sender) or drops
 * and counts (live capture, which must never block libpcap). Batches are made when first needed,
 * up to the fixed number, so a quiet daemon or a short replay does not pay for the whole queue.
 */
public final class BatchPool {
    private final ArrayBlockingQueue<PacketBatch> free;
    private final int size;
    private final int batchBytes;
    private final int maxPacketsPerBatch;
    private final AtomicInteger made = new AtomicInteger();

    public BatchPool(int batches, int batchBytes, int maxPacketsPerBatch) {
        if (batches < 2) {
            throw new IllegalArgumentException("batches: " + batches + " (expected: >= 2)");
        }
        free = new ArrayBlockingQueue<>(batches);
        size = batches;
        this.batchBytes = batchBytes;
        this.maxPacketsPerBatch = maxPacketsPerBatch;
    }

    /** A new batch while fewer than {@code size} exist, else null. */
    private PacketBatch make() {
        int n = made.get();
        while (n < size) {
            if (made.compareAndSet(n, n + 1)) {
                return new PacketBatch(this, batchBytes, maxPacketsPerBatch);
            }
            n = made.get();
        }
        return null;
    }

    public int size() {
        return size;
    }

    /** A free batch, or null at once when none is free. */
    public PacketBatch poll() {
        PacketBatch b = free.poll();
        return b != null ? b : make();
    }

    /** A free batch, waiting up to {@code millis}; null on timeout. */
    public PacketBatch poll(long millis) throws InterruptedException {
        PacketBatch b = poll();
        return b != null ? b : free.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Batches not in use: free ones and those not made yet. */
    public int available() {
        return free.size() + size - made.get();
    }

    void give(PacketBatch b) {
        free.add(b);
    }
}
