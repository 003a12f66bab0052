package com.secureot.pcap.pipeline;

import com.secureot.pcap.config.SpanConfig;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.route.AddressRouter;
import com.secureot.pcap.store.Route;
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

    /** The frame of packet {@code i}: from one of 40 sources, one file each. */
    private static byte[] frame(int i) {
        return TestPcaps.ipv4Frame(source(i), "10.0.1.1", 60);
    }

    private static String source(int i) {
        return "10.0.0." + (i % 40 + 1);
    }

    /** The packets of each source found in the files under {@code dir}; fails on a file holding two sources. */
    private Map<String, Integer> storedPerSource() throws Exception {
        Map<String, Integer> stored = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                for (TestPcaps.Packet p : TestPcaps.read(f).packets()) { // each file reads whole
                    String src = (p.data()[26] & 0xFF) + "." + (p.data()[27] & 0xFF) + "." + (p.data()[28] & 0xFF)
                            + "." + (p.data()[29] & 0xFF);
                    assertTrue(name.startsWith("host_" + src + "_"), src + " stored in " + name);
                    stored.merge(src, 1, Integer::sum);
                }
            }
        }
        return stored;
    }

    @Test
    void severalWritersStoreEveryPacketOnceInItsSourcesFile() throws Exception {
        StorageConfig storage = storage(3);
        CaptureMetrics metrics = new CaptureMetrics();
        BatchPool pool = new BatchPool(8, 64 << 10, 256);
        StoreWorkers stores = new StoreWorkers(storage, metrics, Clock.systemUTC(), StoreTiming.FAST_REPLAY,
                pool.size(), n -> new AddressRouter(storage.rules(), storage.defaultPrefix(), n));
        int sent = 5000;
        Map<String, Integer> expected = new HashMap<>();
        try (Pipeline pipeline = new Pipeline(stores)) {
            pipeline.start();
            // Two publishers (two source threads, as with capture.threads: 2), each with its own router.
            BatchPublisher first = new BatchPublisher(pool, pipeline.workers(), pipeline.newRouter(), metrics, true, 20);
            BatchPublisher second = new BatchPublisher(pool, pipeline.workers(), pipeline.newRouter(), metrics, true, 20);
            for (int i = 0; i < sent; i++) {
                byte[] frame = frame(i);
                (i % 3 == 0 ? second : first).add(frame, 0, frame.length, frame.length, 1, 1_700_000_000L, 0, false,
                        65535, null);
                expected.merge(source(i), 1, Integer::sum);
            }
            first.flush();
            second.flush();
        }
        assertEquals(sent, metrics.written.get());
        assertEquals(0, metrics.inFlight());
        assertEquals(expected, storedPerSource());
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
                    n -> new AddressRouter(storage.rules(), storage.defaultPrefix(), n));
        } finally {
            System.clearProperty(StoreWriter.FAIL_WRITER_PROPERTY);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        int sent = 5000;
        try (Pipeline pipeline = new Pipeline(stores)) {
            pipeline.onFailure(stopped::countDown);
            pipeline.start();
            BatchPublisher publisher = new BatchPublisher(pool, pipeline.workers(), pipeline.newRouter(), metrics, true,
                    20);
            for (int i = 0; i < sent; i++) {
                byte[] frame = frame(i);
                publisher.add(frame, 0, frame.length, frame.length, 1, 1_700_000_000L + i / 100, 0, false, 65535, null);
            }
            publisher.flush();
            assertTrue(stopped.await(10, TimeUnit.SECONDS), "the failure reached the pipeline");
        }
        // Partition 1's share, by the prefix ownership the routes carry.
        Map<String, Integer> perSource = new HashMap<>();
        int share = 0;
        for (int i = 0; i < sent; i++) {
            perSource.merge(source(i), 1, Integer::sum);
            if (new Route("host_" + source(i), 2).partition() == 1) {
                share++;
            }
        }
        assertTrue(share > 299 && share < sent, "both partitions own some sources: " + share);
        assertEquals(sent, metrics.captured.get());
        // Partition 1 stored 299 of its packets, threw at its 300th: the rest of its share, and only
        // that, is counted.
        assertEquals(share - 299, metrics.dropped(DropReason.INTERNAL_ERROR));
        assertEquals(sent - share + 299, metrics.written.get());
        assertEquals(0, metrics.inFlight());
        Map<String, Integer> stored = storedPerSource();
        assertEquals(metrics.written.get(), stored.values().stream().mapToLong(Integer::longValue).sum());
        for (Map.Entry<String, Integer> e : perSource.entrySet()) {
            if (new Route("host_" + e.getKey(), 2).partition() == 0) {
                assertEquals(e.getValue(), stored.get(e.getKey()), "partition 0 stored all of " + e.getKey());
            }
        }
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
