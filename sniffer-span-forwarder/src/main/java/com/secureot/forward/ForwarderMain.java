package com.secureot.forward;

import com.secureot.pcap.capture.BpfFilters;
import com.secureot.pcap.capture.CaptureFilterException;
import com.secureot.pcap.capture.CaptureOpenException;
import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.SpanConfig;
import com.secureot.pcap.daemon.CaptureDaemon;
import com.secureot.pcap.daemon.ConfigOptions;
import com.secureot.pcap.daemon.DaemonCommand;
import com.secureot.pcap.daemon.ExitCodes;
import com.secureot.pcap.daemon.Shutdown;
import com.secureot.pcap.metrics.CaptureMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * {@code sniffer-span-forwarder}: captures a SPAN port into routed, hourly PCAP files, like
 * {@code sniffer-span-pcap}, and streams every packet to a collector as it is captured.
 */
@Command(name = "sniffer-span-forwarder", mixinStandardHelpOptions = true,
        versionProvider = DaemonCommand.Version.class,
        description = "Captures a SPAN/mirror port (or replays a capture file) into PCAP files rotated every hour "
                + "and split by IP address, and forwards every packet to a collector (forward: block; TCP "
                + "PCAP-over-IP, UDP SOT1 or Apache Kafka SOTK records, see docs/wire-formats.md).",
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

    @Option(names = {"-r", "--read-file"}, paramLabel = "FILE",
            description = "Replay this pcap or pcapng file instead of capturing; exit once every packet is "
                    + "written and forwarded (or counted as not forwarded).")
    Path readFile;

    @Option(names = "--replay-speed", paramLabel = "X", defaultValue = "0",
            description = "With --read-file: 0 = as fast as possible (default), 1 = the file's own timing, "
                    + "N = N times faster.")
    double replaySpeed;

    public static void main(String[] args) {
        System.exit(DaemonCommand.execute(new ForwarderMain(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!(replaySpeed >= 0) || Double.isInfinite(replaySpeed)) {
            return usage("--replay-speed: " + replaySpeed + " is not allowed (expected 0 = as fast as possible, "
                    + "1 = the file's timing, N > 0 = N times faster)");
        }
        if (replaySpeed != 0 && readFile == null) {
            return usage("--replay-speed needs --read-file");
        }
        SpanConfig cfg;
        CollectorEndpoint collector = null;
        KafkaTarget kafka = null;
        String exclusion = null;
        try {
            cfg = SpanConfig.from(options.load(), true);
            if (cfg.forward().enable() && cfg.forward().usesKafka()) {
                KafkaTarget.check(cfg.forward().kafka());
                try {
                    kafka = KafkaTarget.resolve(cfg.forward());
                } catch (UnknownHostException e) {
                    if (options.checkConfig()) {
                        throw new ConfigException(e.getMessage());
                    }
                    return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
                }
                exclusion = kafka.bpfExclusion();
            } else if (cfg.forward().enable()) {
                try {
                    collector = CollectorEndpoint.resolve(cfg.forward());
                } catch (UnknownHostException e) {
                    if (options.checkConfig()) {
                        throw new ConfigException(e.getMessage());
                    }
                    // Name resolution may come back (DNS down at boot): 69 lets systemd retry.
                    return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
                }
                exclusion = collector.bpfExclusion();
            }
            checkFilter(cfg, exclusion);
            if (options.checkConfig()) {
                Object to = kafka != null ? kafka : collector;
                return options.valid(cfg.storage().outputDir(), to == null ? "" : "; forwarding to " + to);
            }
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        }
        CaptureMetrics metrics = new CaptureMetrics();
        ForwardingSink sink = kafka != null ? new KafkaSink(kafka, cfg.forward(), metrics)
                : collector == null ? null : ForwardingSink.create(cfg.forward(), collector, metrics);
        try {
            return new CaptureDaemon(cfg, metrics, Clock.systemUTC())
                    .run(readFile, replaySpeed, sink, exclusion, Shutdown.install());
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        } catch (CaptureFilterException e) {
            return DaemonCommand.configError(new ConfigException(e.getMessage()));
        } catch (CaptureOpenException e) {
            return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
        }
    }

    /** The user's filter combined with the self-exclusion, as the capture will install it. */
    static void checkFilter(SpanConfig cfg, String exclusion) throws ConfigException {
        com.secureot.pcap.capture.LiveCaptures.check(cfg.capture());
        String user = cfg.capture().bpfFilter();
        String bpf = BpfFilters.and(user, exclusion);
        if (bpf == null) {
            return;
        }
        String problem = BpfFilters.problem(bpf, cfg.capture().snaplen());
        if (problem != null) {
            String key = user != null ? "capture.bpf_filter"
                    : cfg.forward().usesKafka() ? "forward.kafka.bootstrap_servers" : "forward.host";
            throw new ConfigException(key + ": \"" + (user != null ? user : cfg.forward().usesKafka()
                    ? String.join(",", cfg.forward().kafka().bootstrapServers()) : cfg.forward().host())
                    + "\" gives an invalid BPF filter \"" + bpf + "\": " + problem);
        }
    }

    private static int usage(String message) {
        System.err.println("error: " + message);
        return ExitCodes.USAGE;
    }


}
