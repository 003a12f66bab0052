package com.secureot.pcap.pipeline;

import com.secureot.pcap.packet.PacketBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

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
    private volatile Consumer<Throwable> failureListener;
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

    /**
     * Runs {@code listener} (on the failing thread) when this worker stops on an error; set
     * before {@link #start}. The pipeline uses it to stop the sources, so that the daemon exits.
     */
    public void onFailure(Consumer<Throwable> listener) {
        this.failureListener = listener;
    }

    /** Hands a batch over, or has the consumer count it as lost when the queue is full. */
    boolean offer(PacketBatch b) {
        // After a failure batches still go through the queue: the worker's thread counts what
        // the consumer would have done with each (it alone may route them).
        if (queue.offer(b)) {
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
        PacketBatch current = null;
        try {
            while (true) {
                Object next = queue.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                if (next == END) {
                    break;
                }
                if (next instanceof PacketBatch b) {
                    current = b;
                    consumer.accept(b);
                    current = null;
                    b.release();
                }
                consumer.tick();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failed(t, current);
            return;
        }
        closeConsumer();
    }

    /**
     * The consumer threw: count what it did not handle of the batch it was in, flush and close
     * what it has (the rest of its files are whole), tell the pipeline, then count every batch
     * still coming until the end, so that nothing of its share is lost uncounted.
     */
    private void failed(Throwable t, PacketBatch during) {
        failure = t;
        log.error("internal error in {}: {}; its packets are counted as dropped (internal_error) and the daemon "
                + "stops", thread.getName(), t.toString(), t);
        if (during != null) {
            try {
                consumer.failedDuring(during);
            } catch (Throwable again) {
                log.error("internal error counting the failed batch of {}: {}", thread.getName(), again.toString());
            } finally {
                during.release();
            }
        }
        closeConsumer();
        Consumer<Throwable> listener = failureListener;
        if (listener != null) {
            listener.accept(t);
        }
        try {
            while (true) {
                Object next = queue.take();
                if (next == END) {
                    return;
                }
                PacketBatch b = (PacketBatch) next;
                try {
                    consumer.lost(b);
                } catch (Throwable again) {
                    // Routing itself fails: the share is unknown, the whole batch is counted.
                    rejectQuietly(b);
                } finally {
                    b.release();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void rejectQuietly(PacketBatch b) {
        try {
            consumer.rejected(b);
        } catch (Throwable t) {
            log.debug("counting a lost batch of {}: {}", thread.getName(), t.toString());
        }
    }

    private void closeConsumer() {
        try {
            consumer.close();
        } catch (Throwable t) {
            log.error("internal error closing {}: {}", thread.getName(), t.toString(), t);
            if (failure == null) {
                failure = t;
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
