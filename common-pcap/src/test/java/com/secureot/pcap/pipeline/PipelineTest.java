package com.secureot.pcap.pipeline;

import com.secureot.pcap.config.SpanConfig;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.route.AddressRouter;
import com.secureot.pcap.store.StoreTiming;
import com.secureot.pcap.testing.TestPcaps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineTest {
    @TempDir
    Path dir;

    private StorageConfig storage(int writers) throws Exception {
        Map<String, Object> doc = new HashMap<>();
        doc.put("capture", Map.of("interface", "unused"));
        doc.put("default_output_prefix", "host_{src_ip}");
        doc.put("output_directories", Map.of("pcap_raw_output_path", dir.toString()));
        doc.put("rotation", Map.of("timezone", "UTC", "writer_threads", writers));
        return SpanConfig.from(doc, false).storage();
    }

    @Test
    void aWriterThatFailsCountsItsWholeShareStopsTheSourceAndTheOtherPartitionCompletes() throws Exception {
        StorageConfig storage = storage(2);
        CaptureMetrics metrics = new CaptureMetrics();
        BatchPool pool = new BatchPool(8, 64 << 10, 256);
        StoreWorkers stores;
        System.setProperty(StoreWriter.FAIL_WRITER_PROPERTY, "1:300");
        try {
            stores = new StoreWorkers(storage, metrics, Clock.systemUTC(), StoreTiming.FAST_REPLAY, pool.size(),
                    s -> new AddressRouter(storage.rules(), storage.defaultPrefix(), s));
        } finally {
            System.clearProperty(StoreWriter.FAIL_WRITER_PROPERTY);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        int sent = 5000;
        try (Pipeline pipeline = new Pipeline(stores)) {
            pipeline.onFailure(stopped::countDown);
            pipeline.start();
            BatchPublisher publisher = new BatchPublisher(pool, pipeline.workers(), metrics, true, 20);
            for (int i = 0; i < sent; i++) {
                byte[] frame = TestPcaps.ipv4Frame("10.0.0." + (i % 40 + 1), "10.0.1.1", 60);
                publisher.add(frame, 0, frame.length, frame.length, 1, 1_700_000_000L + i / 100, 0, false, 65535, null);
            }
            publisher.flush();
            assertTrue(stopped.await(10, TimeUnit.SECONDS), "the failure reached the pipeline");
        }
        assertEquals(sent, metrics.captured.get());
        long lost = metrics.dropped(DropReason.INTERNAL_ERROR);
        assertTrue(lost > 0, "the failed partition's share is counted");
        assertEquals(sent, metrics.written.get() + lost, "every packet written or counted");
        assertEquals(0, metrics.inFlight());
        long inFiles = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                inFiles += TestPcaps.read(f).packets().size(); // each file reads whole
            }
        }
        assertEquals(metrics.written.get(), inFiles);
    }

    @Test
    void closeFlushesAndClosesTheStoresOfAPipelineThatNeverStarted() throws Exception {
        StorageConfig storage = storage(1);
        CaptureMetrics metrics = new CaptureMetrics();
        StoreWorkers stores = new StoreWorkers(storage, metrics, Clock.systemUTC(), StoreTiming.LIVE, 4,
                s -> new AddressRouter(storage.rules(), storage.defaultPrefix(), s));
        Pipeline p = new Pipeline(stores);
        p.addSource(() -> {
            throw new IllegalStateException("source broke on close");
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, p::close);
        assertNotNull(e.getCause());
        p.close(); // twice: nothing more happens
        assertEquals(List.of(), List.of(dir.toFile().list()));
    }

    @Test
    void theTestHookNamesAPartitionAndAPacket() {
        assertEquals(Long.MAX_VALUE, StoreWriter.failAt(null, 0));
        assertEquals(Long.MAX_VALUE, StoreWriter.failAt("1:10", 0));
        assertEquals(10, StoreWriter.failAt("1:10", 1));
        assertThrows(IllegalArgumentException.class, () -> StoreWriter.failAt("x", 1));
    }
}
