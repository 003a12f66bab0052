package com.secureot.forward;

import com.secureot.forward.spool.Spool;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.pipeline.BatchConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Acknowledged forwarding ({@code forward.format: sot2}, {@code forward.protocol: kafka}): the
 * forwarding thread appends every batch to the spool (local disk, never the network, so it keeps
 * up while the collector or the brokers are away), and a {@link SpoolSender} thread sends the
 * spool on and frees what is acknowledged. At the end (replay end, SIGTERM) it waits up to
 * {@code forward.drain_timeout_seconds} for the acknowledgement of the last packet; what is still
 * unacknowledged stays in the spool for the next start.
 */
final class SpooledSink implements BatchConsumer {
    private static final Logger log = LoggerFactory.getLogger(SpooledSink.class);

    private final Spool spool;
    private final CaptureMetrics metrics;
    private final SpoolSender sender;
    private final long drainMillis;
    /** Where the packets go, as the logs name it. */
    private final Object target;
    private boolean failing;
    private boolean closed;

    SpooledSink(Object target, ForwardConfig cfg, CaptureMetrics metrics, Spool spool, SpoolSender sender) {
        this.spool = spool;
        this.metrics = metrics;
        this.target = target;
        this.drainMillis = cfg.drainTimeoutSeconds() * 1000L;
        this.sender = sender;
        metrics.forwardAcknowledged = true;
        sender.start();
    }

    @Override
    public void accept(PacketBatch b) {
        if (b.count == 0) {
            return;
        }
        try {
            long dropped = spool.append(b);
            if (dropped > 0) {
                metrics.forwardDrop(ForwardDropReason.SPOOL_FULL, dropped);
            }
            if (failing) {
                failing = false;
                log.info("forward: the spool is written again");
            }
        } catch (IOException e) {
            metrics.forwardDrop(ForwardDropReason.SPOOL_ERROR, b.count);
            if (!failing) {
                failing = true;
                log.error("forward: cannot write the spool: {}; packets are counted as spool_error (the local files "
                        + "hold them)", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        gauges();
    }

    @Override
    public void tick() {
        gauges();
    }

    private void gauges() {
        metrics.forwardBacklogPackets.set(spool.backlogRecords());
        metrics.forwardBacklogBytes.set(spool.backlogBytes());
        long oldest = spool.oldestUnackedNanos();
        metrics.forwardBacklogAgeSeconds.set(oldest < 0 ? 0
                : Math.max(0, (System.currentTimeMillis() * 1_000_000L - oldest) / 1_000_000_000L));
        sender.gauges();
    }

    @Override
    public void rejected(PacketBatch batch) {
        metrics.forwardDrop(ForwardDropReason.QUEUE_FULL, batch.count);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long last = spool.nextSequence() - 1;
        try {
            // In slices, so that the gauges follow the drain (the metrics endpoint still answers).
            long deadline = System.nanoTime() + drainMillis * 1_000_000L;
            boolean acked = false;
            while (!acked) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                acked = sender.awaitAcked(last, Math.max(0, Math.min(left, 1000)));
                gauges();
                if (left <= 1000) {
                    break;
                }
            }
            if (!acked) {
                log.warn("forward: {} packets not acknowledged by {} within forward.drain_timeout_seconds ({} s); "
                        + "they stay in the spool and are sent at the next start", last - spool.acked(), target,
                        drainMillis / 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
        gauges();
        spool.close();
    }
}
