package com.secureot.pcap.pipeline;

import com.secureot.pcap.packet.PacketBatch;

/** What a {@link ConsumerWorker} runs on its own thread: storing, forwarding. */
public interface BatchConsumer extends AutoCloseable {
    /** Handles every packet of the batch. The worker releases the batch afterwards. */
    void accept(PacketBatch batch) throws InterruptedException;

    /** Called at least every {@link ConsumerWorker#TICK_MILLIS} ms: flush, rotate, reconnect. */
    void tick() throws InterruptedException;

    /** The batch could not be queued for this consumer (its queue was full): count the loss. */
    default void rejected(PacketBatch batch) {
    }

    /**
     * Called once on the closing thread when no more batches will come, before the worker drains
     * its queue: a consumer that may block (a slow network) bounds its drain from here.
     */
    default void draining() {
    }

    /** Called once on the worker thread after the last batch: flush and close everything. */
    @Override
    void close();
}
