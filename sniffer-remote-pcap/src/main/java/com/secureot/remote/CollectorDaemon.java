package com.secureot.remote;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.StorageConfig;
import com.secureot.pcap.daemon.ExitCodes;
import com.secureot.pcap.daemon.OutputFolder;
import com.secureot.pcap.daemon.Shutdown;
import com.secureot.pcap.metrics.PrometheusEndpoint;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.Pipeline;
import com.secureot.pcap.pipeline.StoreWorkers;
import com.secureot.pcap.store.StoreTiming;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.remote.ingest.Ingest;
import com.secureot.remote.ingest.TcpFront;
import com.secureot.remote.ingest.TlsPort;
import com.secureot.remote.ingest.UdpReceiver;
import com.secureot.remote.kafka.KafkaIngest;
import com.secureot.remote.kafka.SensorRouter;
import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.remote.sender.RejectLog;
import com.secureot.remote.sender.SenderRegistry;
import com.secureot.remote.sender.SenderRouter;
import com.secureot.remote.sender.Sensor;
import com.secureot.remote.sender.Sensors;
import com.secureot.remote.sender.SequenceStateFile;
import com.secureot.remote.sot2.Sot2Streams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the collector: the TCP front (a few event-loop threads for every connection) and the UDP
 * receiver (one thread), each connection and the receiver with its own publisher, and one store
 * thread writing files routed by sender. Stops on {@link Shutdown}: no new connections, records in flight finished, files closed.
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
        removeEmptyLeftovers(storage.outputDir());
        int batchBytes = Math.max(BATCH_BYTES, config.limits().maxSnaplen());
        int batches = (int) Math.max(8, config.limits().queueBytes() / batchBytes);
        BatchPool pool = new BatchPool(batches, batchBytes, BATCH_PACKETS);
        if (config.kafka() != null) {
            return runKafka(shutdown, pool, batches);
        }
        StoreWorkers writers = new StoreWorkers(storage, metrics.storage, clock, StoreTiming.LIVE, batches,
                partitions -> new SenderRouter(storage.rules(), storage.defaultPrefix(), partitions));
        Pipeline pipeline = new Pipeline(writers);
        SenderRegistry senders = new SenderRegistry(config.allowedSenders());
        Sensors sensors = new Sensors(config.udpAuth().keys());
        for (Sensor s : sensors.all()) {
            if (s.key().othersMayRead()) {
                log.warn("udp_auth.keys: key file \"{}\" of {} may be read by every user of this host; make it "
                        + "readable by the daemon only (chmod 0640, group of the service)", s.key().file(), s);
            }
        }
        Sot2Streams sot2;
        try {
            // Before any connection: recovery may cut files back, which nothing may write meanwhile.
            sot2 = config.tcp() || config.tls().enable() ? Sot2Streams.open(storage.outputDir(), config.fsync()) : null;
        } catch (Sot2Streams.InUse e) {
            writers.closeUnstarted();
            throw new BindException(e.getMessage());
        } catch (IOException e) {
            writers.closeUnstarted();
            throw new ConfigException("output_directories.pcap_raw_output_path: cannot keep the SOT2 state in "
                    + storage.outputDir().resolve(Sot2Streams.FOLDER) + ": " + e.getMessage());
        }
        Ingest ingest = new Ingest(config, senders, metrics, new RejectLog(metrics), pool, pipeline.workers(),
                pipeline::newRouter, clock, sot2);

        InetAddress bind = address(config.bindAddress());
        TlsPort tls;
        try {
            tls = config.tls().enable() ? TlsPort.load(config.tls(), clock) : null;
        } catch (ConfigException e) {
            writers.closeUnstarted();
            throw e;
        }
        PrometheusEndpoint endpoint = null;
        TcpFront tcp = null;
        UdpReceiver udp = null;
        try {
            // The receivers are the pipeline's sources: closed first on every exit path, so that
            // they hand their last packets over before the writers drain and close.
            if (config.tcp() || tls != null) {
                tcp = bindTcp(ingest, config.tcp() ? new InetSocketAddress(bind, config.tcpPort()) : null,
                        tls == null ? null : new InetSocketAddress(bind, config.tls().port()), tls);
                pipeline.addSource(tcp);
            }
            if (config.udp()) {
                udp = bindUdp(ingest, sensors, new InetSocketAddress(bind, config.udpPort()));
                pipeline.addSource(udp);
            }
            endpoint = CollectorEndpoint.start(config.metrics(), metrics);
            CountDownLatch stopped = new CountDownLatch(1);
            shutdown.onStop(stopped::countDown);
            // A writer that fails stops the collector (exit 70, systemd restarts it) rather than
            // leaving its share of every sender's traffic stored nowhere.
            pipeline.onFailure(stopped::countDown);
            pipeline.start();
            if (tls != null) {
                // SIGHUP: new handshakes use the certificates, key and CRL as they are now on disk.
                sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> tls.reload());
            }
            try (CollectorReport report = new CollectorReport(config.metrics().logIntervalSeconds(), metrics, senders,
                    sensors)) {
                if (tcp != null) {
                    tcp.start();
                }
                if (udp != null) {
                    udp.start();
                }
                stopped.await();
                pipeline.close();
                report.report("final: ", true);
            }
        } finally {
            pipeline.close(); // receivers, then writers: also when binding or the endpoint failed
            if (sot2 != null) {
                sot2.close();
            }
            if (endpoint != null) {
                endpoint.close();
            }
        }
        Throwable failed = pipeline.failure();
        if (failed != null) {
            log.error("internal error in a writer thread ({}); {} packets were counted as dropped (internal_error)",
                    failed, metrics.storage.dropped(com.secureot.pcap.metrics.DropReason.INTERNAL_ERROR));
            return ExitCodes.SOFTWARE;
        }
        return ExitCodes.OK;
    }

    /**
     * {@code protocol: kafka}: one consumer thread instead of the listeners; files named by
     * sensor id. The consumer is the pipeline's source: closed first on every exit path (what was
     * consumed is stored, committed, the group left), then the writers; a writer that fails stops
     * the collector with exit 70.
     */
    private int runKafka(Shutdown shutdown, BatchPool pool, int batches) throws InterruptedException,
            BindException {
        StorageConfig storage = config.storage();
        StoreWorkers writers = new StoreWorkers(storage, metrics.storage, clock, StoreTiming.LIVE, batches,
                partitions -> new SensorRouter(storage.rules(), storage.defaultPrefix(), partitions));
        Pipeline pipeline = new Pipeline(writers);
        CountDownLatch stopped = new CountDownLatch(1);
        Path stateDir = storage.outputDir().resolve(".kafka-state").resolve(
                config.kafka().groupId().replaceAll("[^A-Za-z0-9._-]", "_"));
        KafkaIngest ingest = new KafkaIngest(config.kafka(), metrics, pool, pipeline.workers(), pipeline.newRouter(), stateDir,
                config.limits().maxSnaplen(), stopped::countDown);
        pipeline.addSource(ingest);
        PrometheusEndpoint endpoint = null;
        try {
            endpoint = CollectorEndpoint.start(config.metrics(), metrics);
            shutdown.onStop(stopped::countDown);
            pipeline.onFailure(stopped::countDown);
            pipeline.start();
            try (CollectorReport report = new CollectorReport(config.metrics().logIntervalSeconds(), metrics,
                    new SenderRegistry(java.util.List.of()), new Sensors(java.util.List.of()))) {
                ingest.start();
                stopped.await();
                pipeline.close();
                report.report("final: ", true);
                ingest.report("final: ");
            }
        } finally {
            pipeline.close(); // the consumer, then the writers: also when the endpoint failed
            if (endpoint != null) {
                endpoint.close();
            }
        }
        Throwable failed = pipeline.failure();
        if (failed != null) {
            log.error("internal error in a writer thread ({}); {} packets were counted as dropped (internal_error)",
                    failed, metrics.storage.dropped(com.secureot.pcap.metrics.DropReason.INTERNAL_ERROR));
            return ExitCodes.SOFTWARE;
        }
        return ingest.failure() != null ? ExitCodes.SOFTWARE : ExitCodes.OK;
    }

    /**
     * A run killed between creating a file and writing its header leaves an empty {@code .pcap}
     * that no reader accepts; it holds nothing, so it goes before this run lists the folder.
     */
    private static void removeEmptyLeftovers(java.nio.file.Path dir) {
        try (java.nio.file.DirectoryStream<java.nio.file.Path> ds =
                     java.nio.file.Files.newDirectoryStream(dir, "*.pcap")) {
            for (java.nio.file.Path p : ds) {
                if (java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.size(p) == 0) {
                    java.nio.file.Files.delete(p);
                    log.info("removed {}: empty, left by a run that was killed", p);
                }
            }
        } catch (IOException e) {
            log.warn("cannot look for empty files left in {}: {}", dir, e.getMessage());
        }
    }

    private TcpFront bindTcp(Ingest ingest, InetSocketAddress plain, InetSocketAddress tlsAt, TlsPort tls)
            throws BindException {
        try {
            return TcpFront.bind(ingest, plain, tlsAt, tls);
        } catch (IOException e) {
            String which = e.getMessage() != null && e.getMessage().startsWith("tls ") ? "tls " + render(tlsAt)
                    : "tcp " + render(plain);
            throw new BindException("cannot listen on " + which + ": " + e.getMessage());
        }
    }

    private UdpReceiver bindUdp(Ingest ingest, Sensors sensors, InetSocketAddress at) throws BindException {
        try {
            return UdpReceiver.bind(ingest, sensors, new SequenceStateFile(config.storage().outputDir()), at);
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
