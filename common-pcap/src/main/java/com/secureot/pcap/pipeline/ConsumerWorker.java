package com.secureot.pcap.pipeline;

import com.secureot.pcap.packet.PacketBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A thread that owns one consumer and feeds it the batches of its queue. A lossless worker
 * (storage) is given a queue as large as the pool, so a publish never fails; a lossy one
 * (forwarding) has a shorter queue, and a batch that does not fit is counted by the consumer and
 * released at once, so a slow network never starves the local copy.
 */
public final class ConsumerWorker implements AutoCloseable {
    static final long TICK_MILLIS = 100;
    private static final Logger log = LoggerFactory.getLogger(ConsumerWorker.class);

    private final BatchConsumer consumer;
    private final long waitMillis;
    /**
     * Set when a wait timed out: until the queue takes a batch again at once, batches are counted
     * lost without waiting, so a consumer that stopped (a collector that accepts but never reads)
     * costs one wait, not one per batch.
     */
    private volatile boolean stalled;
    /** Queued after the last batch so the worker ends at once instead of at its next poll timeout. */
    private static final Object END = new Object();
    private final ArrayBlockingQueue<Object> queue;
    private final Thread thread;
    private volatile Throwable failure;
    private boolean closed;

    public ConsumerWorker(String name, BatchConsumer consumer, int capacity) {
        this(name, consumer, capacity, 0);
    }

    /**
     * @param waitMillis how long a full queue may hold the source back before the batch counts
     *                   as lost: 0 live (the capture never waits), longer for a replay, which
     *                   should deliver everything the consumer can take
     */
    public ConsumerWorker(String name, BatchConsumer consumer, int capacity, long waitMillis) {
        this.waitMillis = waitMillis;
        this.consumer = consumer;
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
        this.thread = new Thread(this::run, name);
    }

    public void start() {
        thread.start();
    }

    /** Hands a batch over, or has the consumer count it as lost when the queue is full. */
    boolean offer(PacketBatch b) {
        if (failure == null && queue.offer(b)) {
            stalled = false;
            return true;
        }
        if (failure == null && waitMillis > 0 && !stalled) {
            if (waitToOffer(b)) {
                return true;
            }
            stalled = true;
        }
        consumer.rejected(b);
        b.release();
        return false;
    }

    private boolean waitToOffer(PacketBatch b) {
        try {
            return queue.offer(b, waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run() {
        try {
            while (true) {
                Object next = queue.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                if (next == END) {
                    break;
                }
                if (next instanceof PacketBatch b) {
                    try {
                        consumer.accept(b);
                    } finally {
                        b.release();
                    }
                }
                consumer.tick();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            log.error("internal error in {}: {}", thread.getName(), t.toString(), t);
            // Keep releasing what arrives so the source never waits for a dead consumer.
            Object next;
            while ((next = queue.poll()) != null) {
                if (next instanceof PacketBatch b) {
                    consumer.rejected(b);
                    b.release();
                }
            }
        } finally {
            try {
                consumer.close();
            } catch (Throwable t) {
                log.error("internal error closing {}: {}", thread.getName(), t.toString(), t);
                if (failure == null) {
                    failure = t;
                }
            }
        }
    }

    /** The error that stopped this worker, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Processes what is queued, closes the consumer and ends the thread. Safe to call twice. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        consumer.draining();
        if (thread.isAlive()) {
            queue.put(END);
        }
        thread.join();
    }
}
