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
     * After this consumer failed (an internal error; the daemon exits 70), a batch it will never
     * handle: count every packet of it that it would have stored or sent. Called on the worker's
     * own thread, so the consumer may route as {@link #accept} does.
     */
    default void lost(PacketBatch batch) {
        rejected(batch);
    }

    /**
     * {@link #accept} threw for {@code batch}: count the packets of it that were not handled (the
     * consumer knows how far it came). Called on the worker's thread, before {@link #close}.
     */
    default void failedDuring(PacketBatch batch) {
        lost(batch);
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
