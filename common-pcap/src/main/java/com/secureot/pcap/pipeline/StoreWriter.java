package com.secureot.pcap.pipeline;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.store.OutputSeries;
import com.secureot.pcap.store.RotatingPcapStore;

/**
 * Routes each packet to its file series and stores those of its store's partition; runs on the
 * store's own thread.
 */
public final class StoreWriter implements BatchConsumer {
    private final PacketRouter router;
    private final RotatingPcapStore store;
    private final CaptureMetrics metrics;
    private final boolean countsRejected;

    public StoreWriter(PacketRouter router, RotatingPcapStore store, CaptureMetrics metrics, boolean countsRejected) {
        this.countsRejected = countsRejected;
        this.router = router;
        this.store = store;
        this.metrics = metrics;
    }

    @Override
    public void accept(PacketBatch b) {
        for (int i = 0; i < b.count; i++) {
            OutputSeries s = router.route(b, i);
            if (!s.owned()) {
                continue; // another partition's writer stores it
            }
            store.write(s, b.linkType[i], b.nanoPrecision[i], b.snaplen[i], b.tsSeconds[i], b.tsNanos[i],
                    b.data, b.offset[i], b.capLen[i], b.origLen[i]);
        }
        if (b.sourceEnded) {
            store.flushAll();
            if (b.stored != null) {
                b.stored.countDown();
            }
        }
        store.tick();
    }

    @Override
    public void tick() {
        store.tick();
    }

    @Override
    public void rejected(PacketBatch b) {
        // Only after this writer failed (an internal error: the daemon exits 70). Its own share of
        // the batch is unknown without routing on the source thread, so partition 0 counts the batch.
        if (countsRejected) {
            metrics.drop(DropReason.WRITE_ERROR, b.count);
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
