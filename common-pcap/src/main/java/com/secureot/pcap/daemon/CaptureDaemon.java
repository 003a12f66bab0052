package com.secureot.pcap.daemon;

import com.secureot.pcap.capture.CaptureFilterException;
import com.secureot.pcap.capture.CaptureOpenException;
import com.secureot.pcap.capture.FileReplay;
import com.secureot.pcap.capture.LiveCaptures;
import com.secureot.pcap.capture.PacketCapture;
import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.MetricsConfig;
import com.secureot.pcap.config.SpanConfig;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.io.CaptureFormatException;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.PrometheusEndpoint;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.BatchConsumer;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.pipeline.Pipeline;
import com.secureot.pcap.pipeline.StoreWorkers;
import com.secureot.pcap.store.StoreTiming;
import com.secureot.pcap.route.AddressRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs a capture daemon: a source (live interface or replayed file) on the calling thread, a
 * store thread writing routed hourly files, and optionally a forwarding thread. Shared by
 * {@code sniffer-span-pcap} and {@code sniffer-span-forwarder}.
 */
public final class CaptureDaemon {
    private static final Logger log = LoggerFactory.getLogger(CaptureDaemon.class);
    // Small batches, many of them: live, every libpcap dispatch hands over its own batch, so the
    // queue must count in batches as well as in bytes.
    private static final int BATCH_BYTES = 256 << 10;
    private static final int BATCH_PACKETS = 4096;
    /** A live batch is handed on at the latest this long after its first packet. */
    private static final long BATCH_MAX_AGE_MILLIS = 20;

    private final SpanConfig config;
    private final CaptureMetrics metrics;
    private final Clock clock;

    public CaptureDaemon(SpanConfig config, CaptureMetrics metrics, Clock clock) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Captures until {@code shutdown}, or replays {@code readFile} to its end; returns the exit status.
     *
     * @param forwarder the forwarding consumer, or null; it gets its own, shorter queue
     * @param bpfExclusion traffic never to capture (the forwarder's own), or null
     */
    public int run(Path readFile, double replaySpeed, BatchConsumer forwarder, String bpfExclusion,
                   Shutdown shutdown) throws ConfigException, CaptureOpenException, CaptureFilterException,
            InterruptedException {
        StorageConfig storage = config.storage();
        if (readFile != null && !Files.isReadable(readFile)) {
            // Checked before anything is created: a mistyped -r path leaves no folder behind.
            return DaemonCommand.fail("cannot read " + readFile + ": "
                    + (Files.exists(readFile) ? "permission denied" : "no such file"), ExitCodes.USAGE);
        }
        PacketCapture live = null;
        if (readFile == null) {
            live = LiveCaptures.open(config.capture(), com.secureot.pcap.capture.BpfFilters.and(
                    config.capture().bpfFilter(), bpfExclusion));
        }
        try {
            OutputFolder.create(storage.outputDir());
            int batches = (int) Math.max(4, config.capture().queueBytes() / BATCH_BYTES);
            int batchBytes = Math.max(BATCH_BYTES, config.capture().snaplen());
            BatchPool pool = new BatchPool(batches, batchBytes, BATCH_PACKETS);
            StoreWorkers stores = new StoreWorkers(storage, metrics, clock, StoreTiming.of(readFile != null, replaySpeed),
                    batches, partitions -> new AddressRouter(storage.rules(), storage.defaultPrefix(), partitions));
            List<ConsumerWorker> others = new ArrayList<>();
            if (forwarder != null) {
                // Live, a slow network costs forwarded packets, never captured ones; a replay waits
                // for the network (up to the drain timeout per batch) so that a test delivers all.
                long wait = readFile == null ? 0 : Math.max(1, config.forward().drainTimeoutSeconds()) * 1000L;
                others.add(new ConsumerWorker("forward", forwarder, Math.max(1, batches / 2), wait));
            }
            boolean withForward = forwarder != null;
            Pipeline pipeline = new Pipeline(stores, others);
            int status;
            try (PrometheusEndpoint endpoint = startEndpoint(withForward);
                 SummaryLogger summary = new SummaryLogger(config.metrics().logIntervalSeconds(),
                    () -> metrics.periodic(withForward))) {
                try {
                    if (readFile == null) {
                        PacketCapture source = live;
                        pipeline.onFailure(source::stop);
                        pipeline.start();
                        // One publisher per capture thread (capture.threads), all into the same workers.
                        status = capture(source, () -> new BatchPublisher(pool, pipeline.workers(), pipeline.newRouter(),
                                metrics, false, BATCH_MAX_AGE_MILLIS), shutdown);
                    } else {
                        BatchPublisher publisher = new BatchPublisher(pool, pipeline.workers(), pipeline.newRouter(),
                                metrics, true, BATCH_MAX_AGE_MILLIS);
                        FileReplay replay = new FileReplay(readFile, replaySpeed);
                        pipeline.onFailure(replay::stop);
                        pipeline.start();
                        status = replay(replay, readFile, publisher, shutdown, pipeline);
                    }
                } finally {
                    // Every exit path, an error of the source included: drain, flush and close the files;
                    // the endpoint still answers meanwhile (a forwarder's drain may take its timeout).
                    pipeline.close();
                }
            } finally {
                log.info("final: {}", metrics.summary(withForward));
            }
            Throwable failed = pipeline.failure();
            if (failed != null) {
                return DaemonCommand.fail("internal error in a pipeline thread (" + failed + "); "
                        + metrics.dropped(com.secureot.pcap.metrics.DropReason.INTERNAL_ERROR)
                        + " packets were counted as dropped (internal_error)", ExitCodes.SOFTWARE);
            }
            return status == ExitCodes.OK && readFile != null ? replayOutcome(withForward) : status;
        } finally {
            if (live != null) {
                live.close();
            }
        }
    }

    private PrometheusEndpoint startEndpoint(boolean withForward) throws CaptureOpenException {
        MetricsConfig mc = config.metrics();
        if (!mc.endpointEnabled()) {
            return null;
        }
        PrometheusEndpoint endpoint = new PrometheusEndpoint(metrics, true, withForward);
        try {
            endpoint.start(mc.listenHost(), mc.listenPort());
        } catch (IOException | RuntimeException e) {
            throw new CaptureOpenException("metrics.listen: cannot listen on " + mc.listenHost() + ":"
                    + mc.listenPort() + ": " + e.getMessage());
        }
        log.info("metrics on http://{}:{}/metrics", mc.listenHost(), endpoint.port());
        return endpoint;
    }

    private int capture(PacketCapture live, Supplier<BatchPublisher> publishers, Shutdown shutdown)
            throws CaptureOpenException {
        shutdown.onStop(live::stop);
        live.run(publishers, metrics);
        return ExitCodes.OK;
    }

    private int replay(FileReplay replay, Path file, BatchPublisher publisher, Shutdown shutdown, Pipeline pipeline)
            throws InterruptedException {
        shutdown.onStop(replay::stop);
        try {
            long n = replay.run(publisher, publisher::flush);
            publisher.flush();
            log.info("replayed {} packets from {}", n, file);
            return ExitCodes.OK;
        } catch (CaptureFormatException e) {
            publisher.flush();
            return DaemonCommand.fail(e.getMessage(), ExitCodes.USAGE);
        } catch (IOException e) {
            publisher.flush();
            return DaemonCommand.fail("cannot read " + file + ": " + e.getMessage(), ExitCodes.USAGE);
        } catch (InterruptedException e) {
            publisher.flush();
            if (shutdown.requested() || pipeline.failure() != null) {
                return ExitCodes.OK; // stopped: by a signal, or by a failed worker (the caller says 70)
            }
            throw e;
        }
    }

    /** After a replay: 0 only if every packet was stored (and forwarded, for the forwarder). */
    private int replayOutcome(boolean withForward) {
        long notStored = metrics.droppedTotal();
        if (notStored > 0) {
            return DaemonCommand.fail(notStored + " of " + metrics.captured.get() + " packets were not stored ("
                    + metrics.drops().nonZero() + ")", ExitCodes.IO_ERROR);
        }
        long notForwarded = withForward ? metrics.forwardDroppedTotal() : 0;
        long waiting = withForward && metrics.forwardAcknowledged ? metrics.forwardBacklogPackets.get() : 0;
        if (notForwarded == 0 && waiting > 0) {
            return DaemonCommand.fail(waiting + " of " + metrics.captured.get() + " packets are not acknowledged by "
                    + (metrics.kafka ? "the brokers" : "the collector") + " yet; they stay in the spool and are sent at the next start", ExitCodes.NOT_FORWARDED);
        }
        if (notForwarded > 0) {
            return DaemonCommand.fail(notForwarded + " of " + metrics.captured.get() + " packets were not forwarded ("
                    + metrics.forwardDrops().nonZero() + "); the local files are complete", ExitCodes.NOT_FORWARDED);
        }
        return ExitCodes.OK;
    }
}
