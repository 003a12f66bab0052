package com.secureot.pcap.pipeline;

import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.store.RotatingPcapStore;
import com.secureot.pcap.store.StorePartition;
import com.secureot.pcap.store.StoreTiming;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The writer threads of a daemon ({@code rotation.writer_threads}): each sees every batch, routes
 * each packet (a cached lookup for an IPv4 address seen before) and stores only the prefixes of
 * its partition, so every file keeps a single owner while the write(2) time is split between
 * threads.
 */
public final class StoreWorkers {
    private final List<ConsumerWorker> workers = new ArrayList<>();
    private final List<RotatingPcapStore> stores = new ArrayList<>();

    /**
     * @param routerFor builds the router of one partition's store (routers are not shared)
     * @param queueCapacity batches each writer may have waiting (the pool size: never rejects)
     */
    public StoreWorkers(StorageConfig storage, CaptureMetrics metrics, Clock clock, StoreTiming timing, int queueCapacity,
                        Function<RotatingPcapStore, PacketRouter> routerFor) {
        StorePartition[] partitions = StorePartition.of(storage.rotation().writerThreads());
        for (StorePartition part : partitions) {
            RotatingPcapStore store = new RotatingPcapStore(storage.outputDir(), storage.rotation(),
                    storage.retention(), metrics, clock, timing, part);
            stores.add(store);
            workers.add(new ConsumerWorker(partitions.length == 1 ? "store" : "store-" + part.index(),
                    new StoreWriter(routerFor.apply(store), store, metrics, part.index() == 0, part.index()),
                    queueCapacity));
        }
    }

    public List<ConsumerWorker> workers() {
        return workers;
    }

    /** Closes the stores of workers that never started (a daemon that failed to start). */
    public void closeUnstarted() {
        stores.forEach(RotatingPcapStore::close);
    }
}
