package com.secureot.remote.ingest;

import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.remote.sender.RejectLog;
import com.secureot.remote.sender.SenderRegistry;
import com.secureot.remote.sot2.Sot2Streams;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * What every receiving thread shares: the configuration, the senders, the counters, and the
 * pipeline to the file writer, the SOT2 streams. Each thread makes its own publisher, with its
 * own router (a publisher has one owner).
 */
public record Ingest(CollectorConfig config, SenderRegistry senders, CollectorMetrics metrics, RejectLog rejects,
                     BatchPool pool, List<ConsumerWorker> writers, Supplier<PacketRouter> routers, Clock clock,
                     Sot2Streams sot2) {
    /** A batch is handed to the writer at the latest this long after its first packet. */
    static final long BATCH_MAX_AGE_MILLIS = 200;

    BatchPublisher newPublisher() {
        // Waiting when every batch is in use slows the senders (TCP back-pressure) instead of losing packets.
        return new BatchPublisher(pool, writers, routers.get(), metrics.storage, true, BATCH_MAX_AGE_MILLIS);
    }
}
