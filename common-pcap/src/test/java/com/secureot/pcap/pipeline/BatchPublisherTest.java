package com.secureot.pcap.pipeline;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.packet.PacketBatch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchPublisherTest {

    /** A consumer that counts what it gets, and holds its thread until released: a stuck disk. */
    private static final class BlockedWriter implements BatchConsumer {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong stored = new AtomicLong();
        final CaptureMetrics metrics;

        BlockedWriter(CaptureMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void accept(PacketBatch batch) throws InterruptedException {
            release.await();
            stored.addAndGet(batch.count);
            metrics.written.addAndGet(batch.count);
        }

        @Override
        public void tick() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aLiveSourceDropsAndCountsQueueFullWhenTheWriterIsBlocked() throws Exception {
        CaptureMetrics m = new CaptureMetrics();
        BatchPool pool = new BatchPool(2, 4096, 16);
        BlockedWriter writer = new BlockedWriter(m);
        ConsumerWorker worker = new ConsumerWorker("store", writer, pool.size());
        worker.start();
        BatchPublisher live = new BatchPublisher(pool, List.of(worker), null, m, false, 20);
        byte[] frame = new byte[100];
        int sent = 1000;
        for (int i = 0; i < sent; i++) {
            live.add(frame, 0, frame.length, frame.length, 1, i, 0, false, 65535, null);
            if (i % 16 == 15) {
                live.flush();
            }
        }
        live.flush();
        // Two batches of 16 were taken (one queued, one in the blocked writer); the rest had none.
        assertEquals(sent - 32, m.dropped(DropReason.QUEUE_FULL));
        writer.release.countDown();
        worker.close();
        assertEquals(32, writer.stored.get());
        assertEquals(sent, m.captured.get());
        assertEquals(m.captured.get(), m.written.get() + m.droppedTotal());
        assertEquals(0, m.inFlight());
    }

    @Test
    void aReplayWaitsForTheWriterInsteadOfDropping() throws Exception {
        CaptureMetrics m = new CaptureMetrics();
        BatchPool pool = new BatchPool(2, 4096, 16);
        BlockedWriter writer = new BlockedWriter(m);
        ConsumerWorker worker = new ConsumerWorker("store", writer, pool.size());
        worker.start();
        BatchPublisher replay = new BatchPublisher(pool, List.of(worker), null, m, true, 20);
        Thread source = new Thread(() -> {
            byte[] frame = new byte[100];
            try {
                for (int i = 0; i < 1000; i++) {
                    replay.add(frame, 0, frame.length, frame.length, 1, i, 0, false, 65535, null);
                }
                replay.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        source.start();
        Thread.sleep(200);
        assertTrue(source.isAlive(), "the replay must wait while the writer is blocked");
        writer.release.countDown();
        source.join();
        worker.close();
        assertEquals(1000, writer.stored.get());
        assertEquals(0, m.droppedTotal());
    }
}
