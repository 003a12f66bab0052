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
import java.util.function.IntFunction;

/**
 * The writer threads of a daemon ({@code rotation.writer_threads}): each sees every batch and
 * stores only the packets routed to its partition, so every file keeps a single owner while the
 * write(2) time is split between threads. The packets are routed once, by the router of the
 * thread that publishes them ({@link #newRouter}), not by every writer.
 */
public final class StoreWorkers {
    private final List<ConsumerWorker> workers = new ArrayList<>();
    private final List<RotatingPcapStore> stores = new ArrayList<>();
    private final IntFunction<PacketRouter> routerFor;
    private final int partitions;

    /**
     * @param routerFor builds a router choosing between the given number of partitions (one per
     *                  publishing thread: routers are not shared)
     * @param queueCapacity batches each writer may have waiting (the pool size: never rejects)
     */
    public StoreWorkers(StorageConfig storage, CaptureMetrics metrics, Clock clock, StoreTiming timing, int queueCapacity,
                        IntFunction<PacketRouter> routerFor) {
        this.routerFor = routerFor;
        StorePartition[] partitions = StorePartition.of(storage.rotation().writerThreads());
        this.partitions = partitions.length;
        for (StorePartition part : partitions) {
            RotatingPcapStore store = new RotatingPcapStore(storage.outputDir(), storage.rotation(),
                    storage.retention(), metrics, clock, timing, part);
            stores.add(store);
            workers.add(new ConsumerWorker(partitions.length == 1 ? "store" : "store-" + part.index(),
                    new StoreWriter(store, metrics),
                    queueCapacity));
        }
    }

    /** A new router for one publishing thread's packets. */
    public PacketRouter newRouter() {
        return routerFor.apply(partitions);
    }

    public List<ConsumerWorker> workers() {
        return workers;
    }

    /** Closes the stores of workers that never started (a daemon that failed to start). */
    public void closeUnstarted() {
        stores.forEach(RotatingPcapStore::close);
    }
}
