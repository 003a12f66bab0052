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
 * Acknowledged forwarding ({@code forward.format: sot2}): the forwarding thread appends every
 * batch to the spool (local disk, never the network, so it keeps up while the collector is
 * away), and a {@link Sot2Sender} thread sends the spool to the collector and frees what it
 * acknowledges. At the end (replay end, SIGTERM) it waits up to {@code forward.drain_timeout_seconds}
 * for the acknowledgement of the last packet; what is still unacknowledged stays in the spool for
 * the next start.
 */
final class Sot2Sink implements BatchConsumer {
    private static final Logger log = LoggerFactory.getLogger(Sot2Sink.class);

    private final Spool spool;
    private final CaptureMetrics metrics;
    private final Sot2Sender sender;
    private final long drainMillis;
    private final CollectorEndpoint endpoint;
    private boolean failing;
    private boolean closed;

    /** @param tls the loaded {@code forward.tls} material, or null for plaintext */
    Sot2Sink(CollectorEndpoint endpoint, ForwardConfig cfg, CaptureMetrics metrics, Spool spool, String sensorId,
             ForwardTls tls) {
        this.spool = spool;
        this.metrics = metrics;
        this.endpoint = endpoint;
        this.drainMillis = cfg.drainTimeoutSeconds() * 1000L;
        metrics.forwardAcknowledged = true;
        this.sender = new Sot2Sender(endpoint, cfg, metrics, spool, sensorId, tls);
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
        sender.gauges();
    }

    @Override
    public void tick() {
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
            if (!sender.awaitAcked(last, drainMillis)) {
                log.warn("forward: {} packets not acknowledged by {} within forward.drain_timeout_seconds ({} s); "
                        + "they stay in the spool and are sent at the next start", last - spool.acked(), endpoint,
                        drainMillis / 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
        sender.gauges();
        spool.close();
    }
}
