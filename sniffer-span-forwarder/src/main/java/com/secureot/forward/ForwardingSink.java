package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.pipeline.BatchConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarding consumer: runs on its own worker thread behind a bounded queue, so the capture
 * never waits for the network. What it cannot send is counted by reason; what the queue could not
 * take is counted as {@code queue_full}. Its drain at the end (replay end, SIGTERM) is bounded by
 * {@code forward.drain_timeout_seconds}: past it, a blocked write is aborted and what is left is
 * counted as {@code not_connected}.
 */
abstract class ForwardingSink implements BatchConsumer {
    private static final Logger log = LoggerFactory.getLogger(ForwardingSink.class);

    /** Where the packets go, as the logs name it. */
    private final Object target;
    protected final CaptureMetrics metrics;
    private final long drainMillis;
    /** Set by the drain watchdog: the sender must stop trying and count what is left. */
    private volatile boolean drainExpired;
    private volatile boolean closed;
    private volatile Thread watchdog;

    ForwardingSink(Object target, ForwardConfig cfg, CaptureMetrics metrics) {
        this.target = target;
        this.metrics = metrics;
        this.drainMillis = cfg.drainTimeoutSeconds() * 1000L;
    }

    /**
     * The sink for TCP or UDP ({@code cfg.protocol()}) and format (Kafka: {@link KafkaPublisher}); opens
     * nothing until its worker runs, except SOT2, whose spool is opened by the caller and whose sender starts here.
     *
     * @param stateDir the output folder, where authenticated UDP keeps its run epoch
     * @param tls TCP (PCAP-over-IP or SOT2): the loaded TLS material, null for plaintext
     */
    static BatchConsumer create(ForwardConfig cfg, CollectorEndpoint endpoint, CaptureMetrics metrics,
                                java.nio.file.Path stateDir, ForwardTls tls,
                                com.secureot.forward.spool.Spool spool, String sensorId) {
        if (cfg.sot2()) {
            return new SpooledSink(endpoint, cfg, metrics, spool,
                    new Sot2Sender(endpoint, cfg, metrics, spool, sensorId, tls));
        }
        return cfg.tcp() ? new PcapOverIpSink(endpoint, cfg, metrics, tls)
                : new DatagramSink(endpoint, cfg, metrics, stateDir);
    }

    @Override
    public final void accept(PacketBatch batch) {
        if (drainExpired) {
            metrics.forwardDrop(ForwardDropReason.NOT_CONNECTED, batch.count);
            return;
        }
        send(batch);
    }

    @Override
    public final void tick() {
        if (!drainExpired) {
            idle();
        }
    }

    @Override
    public final void rejected(PacketBatch batch) {
        metrics.forwardDrop(ForwardDropReason.QUEUE_FULL, batch.count);
    }

    @Override
    public final void draining() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(drainMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                drainExpired = true;
                log.warn("forward: the queue did not drain to {} within forward.drain_timeout_seconds ({} s); "
                        + "what is left is counted as not forwarded", target, drainMillis / 1000);
                abort();
            }
        }, "forward-drain");
        t.setDaemon(true);
        watchdog = t;
        t.start();
    }

    @Override
    public final void close() {
        closed = true;
        Thread t = watchdog;
        if (t != null) {
            t.interrupt();
        }
        finish();
    }

    protected final boolean drainExpired() {
        return drainExpired;
    }

    /** Sends every packet of the batch, or counts why not. Worker thread. */
    protected abstract void send(PacketBatch batch);

    /** Between batches, at least every 100 ms: reconnect, notice a peer that went away. Worker thread. */
    protected abstract void idle();

    /** From the watchdog thread: unblocks a write or connect stuck on a slow or silent collector. */
    protected abstract void abort();

    /** Sends what is buffered and closes the socket cleanly. Worker thread, once. */
    protected abstract void finish();
}
