package com.secureot.remote;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.daemon.ExitCodes;
import com.secureot.pcap.daemon.OutputFolder;
import com.secureot.pcap.daemon.Shutdown;
import com.secureot.pcap.metrics.PrometheusEndpoint;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.pipeline.StoreWorkers;
import com.secureot.pcap.store.StoreTiming;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.remote.ingest.Ingest;
import com.secureot.remote.ingest.TcpListener;
import com.secureot.remote.ingest.UdpReceiver;
import com.secureot.remote.kafka.KafkaIngest;
import com.secureot.remote.kafka.SensorRouter;
import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.remote.sender.RejectLog;
import com.secureot.remote.sender.SenderRegistry;
import com.secureot.remote.sender.SenderRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the collector: the TCP and UDP receivers (one thread per connection, one for UDP), each
 * with its own publisher, and one store thread writing files routed by sender. Stops on
 * {@link Shutdown}: no new connections, records in flight finished, files closed.
 */
public final class CollectorDaemon {
    private static final Logger log = LoggerFactory.getLogger(CollectorDaemon.class);
    private static final int BATCH_BYTES = 256 << 10;
    private static final int BATCH_PACKETS = 4096;

    private final CollectorConfig config;
    private final CollectorMetrics metrics;
    private final Clock clock;

    /** A port that cannot be bound (exit 69): the message names the protocol, address and port. */
    public static final class BindException extends Exception {
        BindException(String message) {
            super(message, null, false, false);
        }
    }

    public CollectorDaemon(CollectorConfig config, CollectorMetrics metrics, Clock clock) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Serves until {@code shutdown}; returns the exit status. */
    public int run(Shutdown shutdown) throws ConfigException, BindException, InterruptedException {
        StorageConfig storage = config.storage();
        OutputFolder.create(storage.outputDir());
        int batchBytes = Math.max(BATCH_BYTES, config.limits().maxSnaplen());
        int batches = (int) Math.max(8, config.limits().queueBytes() / batchBytes);
        BatchPool pool = new BatchPool(batches, batchBytes, BATCH_PACKETS);
        if (config.kafka() != null) {
            return runKafka(shutdown, pool, batches);
        }
        StoreWorkers writers = new StoreWorkers(storage, metrics.storage, clock, StoreTiming.LIVE, batches,
                store -> new SenderRouter(storage.rules(), storage.defaultPrefix(), store));
        SenderRegistry senders = new SenderRegistry(config.allowedSenders());
        Ingest ingest = new Ingest(config, senders, metrics, new RejectLog(metrics), pool, writers.workers(), clock);

        InetAddress bind = address(config.bindAddress());
        TcpListener tcp = null;
        UdpReceiver udp = null;
        try {
            if (config.tcp()) {
                tcp = bindTcp(ingest, new InetSocketAddress(bind, config.tcpPort()));
            }
            if (config.udp()) {
                udp = bindUdp(ingest, new InetSocketAddress(bind, config.udpPort()));
            }
        } catch (BindException e) {
            if (tcp != null) {
                tcp.close();
            }
            writers.closeUnstarted();
            throw e;
        }
        PrometheusEndpoint endpoint;
        try {
            endpoint = CollectorEndpoint.start(config.metrics(), metrics);
        } catch (BindException e) {
            if (tcp != null) {
                tcp.close();
            }
            if (udp != null) {
                udp.close();
            }
            writers.closeUnstarted();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        shutdown.onStop(stopped::countDown);
        writers.workers().forEach(ConsumerWorker::start);
        try (CollectorReport report = new CollectorReport(config.metrics().logIntervalSeconds(), metrics, senders)) {
            if (tcp != null) {
                tcp.start();
            }
            if (udp != null) {
                udp.start();
            }
            stopped.await();
            // Reverse order of the data flow: receivers first (they hand their last packets over), then the writer.
            if (tcp != null) {
                tcp.close();
            }
            if (udp != null) {
                udp.close();
            }
            for (ConsumerWorker w : writers.workers()) {
                w.close();
            }
            report.report("final: ", true);
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
        return writers.workers().stream().anyMatch(w -> w.failure() != null) ? ExitCodes.SOFTWARE : ExitCodes.OK;
    }

    /**
     * {@code protocol: kafka}: one consumer thread instead of the listeners; files named by
     * sensor id. Stops on {@link Shutdown}: what was consumed is stored, committed, the group left.
     */
    private int runKafka(Shutdown shutdown, BatchPool pool, int batches) throws InterruptedException,
            BindException {
        StorageConfig storage = config.storage();
        StoreWorkers writers = new StoreWorkers(storage, metrics.storage, clock, StoreTiming.LIVE, batches,
                store -> new SensorRouter(storage.defaultPrefix(), store));
        CountDownLatch stopped = new CountDownLatch(1);
        Path stateDir = storage.outputDir().resolve(".kafka-state").resolve(
                config.kafka().groupId().replaceAll("[^A-Za-z0-9._-]", "_"));
        KafkaIngest ingest = new KafkaIngest(config.kafka(), metrics, pool, writers.workers(), stateDir,
                config.limits().maxSnaplen(), stopped::countDown);
        PrometheusEndpoint endpoint;
        try {
            endpoint = CollectorEndpoint.start(config.metrics(), metrics);
        } catch (BindException e) {
            ingest.close();
            writers.closeUnstarted();
            throw e;
        }
        shutdown.onStop(stopped::countDown);
        writers.workers().forEach(ConsumerWorker::start);
        try (CollectorReport report = new CollectorReport(config.metrics().logIntervalSeconds(), metrics,
                new SenderRegistry(java.util.List.of()))) {
            ingest.start();
            stopped.await();
            ingest.close();
            for (ConsumerWorker w : writers.workers()) {
                w.close();
            }
            report.report("final: ", true);
            ingest.report("final: ");
        } finally {
            if (endpoint != null) {
                endpoint.close();
            }
        }
        boolean failed = ingest.failure() != null || writers.workers().stream().anyMatch(w -> w.failure() != null);
        return failed ? ExitCodes.SOFTWARE : ExitCodes.OK;
    }

    private TcpListener bindTcp(Ingest ingest, InetSocketAddress at) throws BindException {
        try {
            return TcpListener.bind(ingest, at);
        } catch (IOException e) {
            throw new BindException("cannot listen on tcp " + render(at) + ": " + e.getMessage());
        }
    }

    private UdpReceiver bindUdp(Ingest ingest, InetSocketAddress at) throws BindException {
        try {
            return UdpReceiver.bind(ingest, at);
        } catch (IOException e) {
            throw new BindException("cannot listen on udp " + render(at) + ": " + e.getMessage());
        }
    }

    private static String render(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bind address, a literal already validated by the configuration (never a name lookup). */
    static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(com.secureot.pcap.route.IpAddresses.parseLiteral(literal));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bind_address: " + literal, e);
        }
    }
}
