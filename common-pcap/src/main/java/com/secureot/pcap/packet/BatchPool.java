package com.secureot.pcap.packet;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The fixed set of batches a pipeline owns: the memory between its source and its consumers.
 * When every batch is in use the source either waits (replay of a file, a TCP sender) or drops
 * and counts (live capture, which must never block libpcap).
 */
public final class BatchPool {
    private final ArrayBlockingQueue<PacketBatch> free;
    private final int size;

    public BatchPool(int batches, int batchBytes, int maxPacketsPerBatch) {
        if (batches < 2) {
            throw new IllegalArgumentException("batches: " + batches + " (expected: >= 2)");
        }
        free = new ArrayBlockingQueue<>(batches);
        size = batches;
        for (int i = 0; i < batches; i++) {
            free.add(new PacketBatch(this, batchBytes, maxPacketsPerBatch));
        }
    }

    public int size() {
        return size;
    }

    /** A free batch, or null at once when none is free. */
    public PacketBatch poll() {
        return free.poll();
    }

    /** A free batch, waiting up to {@code millis}; null on timeout. */
    public PacketBatch poll(long millis) throws InterruptedException {
        return free.poll(millis, TimeUnit.MILLISECONDS);
    }

    public int available() {
        return free.size();
    }

    void give(PacketBatch b) {
        free.add(b);
    }
}
