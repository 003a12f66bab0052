package com.secureot.forward;

import com.secureot.pcap.capture.BpfFilters;
import com.secureot.pcap.capture.CaptureFilterException;
import com.secureot.pcap.capture.CaptureOpenException;
import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.config.SpanConfig;
import com.secureot.pcap.daemon.CaptureChecks;
import com.secureot.pcap.daemon.CaptureDaemon;
import com.secureot.pcap.daemon.ConfigOptions;
import com.secureot.pcap.daemon.DaemonCommand;
import com.secureot.pcap.daemon.ExitCodes;
import com.secureot.pcap.daemon.ReplayOptions;
import com.secureot.pcap.daemon.Shutdown;
import com.secureot.pcap.metrics.CaptureMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import com.secureot.forward.spool.Spool;
import com.secureot.pcap.pipeline.BatchConsumer;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * {@code sniffer-span-forwarder}: captures a SPAN port into routed, hourly PCAP files, like
 * {@code sniffer-span-pcap}, and streams every packet to a collector as it is captured.
 */
@Command(name = "sniffer-span-forwarder", mixinStandardHelpOptions = true,
        versionProvider = DaemonCommand.CaptureVersion.class,
        description = "Captures a SPAN/mirror port (or replays a capture file) into PCAP files rotated every hour "
                + "and split by IP address, and forwards every packet to a collector (forward: block; TCP "
                + "PCAP-over-IP, TCP SOT2 acknowledged with a spool, UDP SOT1 or Apache Kafka SOTK records, see "
                + "docs/wire-formats.md).",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:success (SIGTERM/SIGINT: files flushed and closed; replay: every packet stored and forwarded)",
            "64:bad command line, or unreadable replay file",
            "69:interface cannot be opened, or forward.host (forward.kafka.bootstrap_servers) cannot be resolved",
            "70:internal error",
            "74:replay ended with packets not stored (disk full, write error)",
            "75:replay ended with packets stored but not forwarded (one line says how many and why)",
            "78:bad configuration (nothing written)"})
public final class ForwarderMain implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Mixin
    ReplayOptions replay;

    public static void main(String[] args) {
        System.exit(DaemonCommand.execute(new ForwarderMain(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        String usage = replay.problem();
        if (usage != null) {
            return DaemonCommand.fail(usage, ExitCodes.USAGE);
        }
        SpanConfig cfg;
        CollectorEndpoint collector = null;
        KafkaTarget kafka = null;
        String unresolved = null;
        ForwardTls tls = null;
        String exclusion = null;
        try {
            ConfigNode root = options.root();
            cfg = SpanConfig.read(root, true);
            CaptureChecks.check(root, cfg.capture(), replay.readFile() != null);
            if (cfg.forward().enable() && cfg.forward().usesKafka() && cfg.forward().kafka() != null) {
                try {
                    KafkaTarget.check(cfg.forward().kafka());
                    kafka = KafkaTarget.resolve(cfg.forward());
                    exclusion = kafka.bpfExclusion();
                    checkExclusion(root, cfg, exclusion);
                } catch (ConfigException e) {
                    e.errors().forEach(root::addError);
                } catch (UnknownHostException e) {
                    // The message names forward.kafka.bootstrap_servers already.
                    if (options.checkConfig()) {
                        root.addError(e.getMessage());
                    } else {
                        unresolved = e.getMessage();
                    }
                }
            }
            // A host with an error of its form reads as null: only a well-formed one is looked up.
            if (cfg.forward().enable() && cfg.forward().host() != null) {
                try {
                    collector = CollectorEndpoint.resolve(cfg.forward());
                    exclusion = collector.bpfExclusion();
                    checkExclusion(root, cfg, exclusion);
                } catch (UnknownHostException e) {
                    if (options.checkConfig()) {
                        root.error("forward.host", e.getMessage());
                    } else {
                        unresolved = e.getMessage();
                    }
                }
            }
            if (cfg.forward().enable() && cfg.forward().tls().enable()) {
                try {
                    tls = ForwardTls.load(cfg.forward().tls(), Clock.systemUTC().instant());
                } catch (ConfigException e) {
                    e.errors().forEach(root::addError);
                }
            }
            if (options.checkConfig() && cfg.forward().enable() && spooled(cfg)) {
                try {
                    checkSpool(spoolDirectory(cfg));
                } catch (ConfigException e) {
                    e.errors().forEach(root::addError);
                }
            }
            root.throwIfErrors();
            if (unresolved != null) {
                // Name resolution may come back (DNS down at boot): 69 lets systemd retry.
                return DaemonCommand.fail((cfg.forward().usesKafka() ? "" : "forward.host: ") + unresolved,
                        ExitCodes.UNAVAILABLE);
            }
            if (options.checkConfig()) {
                Object to = kafka != null ? kafka : collector;
                return options.valid(cfg.storage().outputDir(), to == null ? "" : "; forwarding to " + to);
            }
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        }
        CaptureMetrics metrics = new CaptureMetrics();
        Spool spool = null;
        if ((kafka != null || collector != null) && spooled(cfg)) {
            Path dir = spoolDirectory(cfg);
            try {
                spool = Spool.open(dir, cfg.forward().spoolMaxBytes());
            } catch (IOException e) {
                return DaemonCommand.configError(new ConfigException("forward.spool.directory: cannot use " + dir
                        + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
            }
        }
        BatchConsumer sink;
        if (kafka != null) {
            sink = new SpooledSink(kafka, cfg.forward(), metrics, spool,
                    new KafkaPublisher(kafka, cfg.forward(), metrics, spool));
        } else {
            // forward.sensor_id is set for SOT2 (the host name by default; one rule with Kafka, checked at load).
            sink = collector == null ? null
                    : ForwardingSink.create(cfg.forward(), collector, metrics,
                            cfg.storage().outputDir(), tls, spool, cfg.forward().sensorId());
        }
        try {
            return new CaptureDaemon(cfg, metrics, Clock.systemUTC())
                    .run(replay.readFile(), replay.replaySpeed(), sink, exclusion, Shutdown.install());
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        } catch (CaptureFilterException e) {
            return DaemonCommand.configError(new ConfigException(e.getMessage()));
        } catch (CaptureOpenException e) {
            return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
        }
    }

    /** Whether the forwarding goes through the spool: SOT2 and Kafka. */
    static boolean spooled(SpanConfig cfg) {
        return cfg.forward().sot2() || cfg.forward().usesKafka();
    }

    /** {@code forward.spool.directory}, by default {@code .spool} in the output folder. */
    static Path spoolDirectory(SpanConfig cfg) {
        Path d = cfg.forward().spoolDirectory();
        return d != null ? d : cfg.storage().outputDir().resolve(".spool");
    }

    /** What {@link Spool#open} would fail on, without creating anything. */
    static void checkSpool(Path dir) throws ConfigException {
        Path p = dir.toAbsolutePath();
        while (p != null && !java.nio.file.Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !java.nio.file.Files.isDirectory(p) || !java.nio.file.Files.isWritable(p)) {
            throw new ConfigException("forward.spool.directory: " + dir + " cannot be created or written"
                    + (p == null ? "" : " (" + p + " is " + (java.nio.file.Files.isDirectory(p) ? "not writable"
                    : "not a directory") + ")"));
        }
    }

    /**
     * The user's filter combined with the self-exclusion, as the capture will install it; checked
     * only when the user's own filter is valid (its error is already recorded).
     */
    static void checkExclusion(ConfigNode root, SpanConfig cfg, String exclusion) {
        String user = cfg.capture().bpfFilter();
        if (user != null && BpfFilters.problem(user, cfg.capture().snaplen()) != null) {
            return;
        }
        String bpf = BpfFilters.and(user, exclusion);
        String problem = BpfFilters.problem(bpf, cfg.capture().snaplen());
        if (problem != null) {
            String key = user != null ? "capture.bpf_filter"
                    : cfg.forward().usesKafka() ? "forward.kafka.bootstrap_servers" : "forward.host";
            root.error(key, "\"" + (user != null ? user : cfg.forward().usesKafka()
                    ? String.join(",", cfg.forward().kafka().bootstrapServers()) : cfg.forward().host())
                    + "\" gives an invalid BPF filter \"" + bpf + "\": " + problem);
        }
    }
}
