package com.secureot.span;

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

import java.time.Clock;
import java.util.concurrent.Callable;

/** {@code sniffer-span-pcap}: captures a SPAN port into routed, hourly PCAP files. */
@Command(name = "sniffer-span-pcap", mixinStandardHelpOptions = true, versionProvider = DaemonCommand.CaptureVersion.class,
        description = "Captures a SPAN/mirror port (or replays a capture file) into PCAP files rotated every hour "
                + "and split by IP address.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:success (SIGTERM/SIGINT: files flushed and closed)",
            "64:bad command line, or unreadable replay file",
            "69:interface cannot be opened (missing, no permission)",
            "70:internal error",
            "74:replay ended with packets not stored (disk full, write error)",
            "78:bad configuration (nothing written)"})
public final class SpanPcapMain implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Mixin
    ReplayOptions replay;

    public static void main(String[] args) {
        System.exit(DaemonCommand.execute(new SpanPcapMain(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        String usage = replay.problem();
        if (usage != null) {
            return DaemonCommand.fail(usage, ExitCodes.USAGE);
        }
        SpanConfig cfg;
        try {
            ConfigNode root = options.root();
            cfg = SpanConfig.read(root, false);
            CaptureChecks.check(root, cfg.capture(), replay.readFile() != null);
            root.throwIfErrors();
            if (options.checkConfig()) {
                return options.valid(cfg.storage().outputDir(), "");
            }
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        }
        try {
            return new CaptureDaemon(cfg, new CaptureMetrics(), Clock.systemUTC())
                    .run(replay.readFile(), replay.replaySpeed(), null, null, Shutdown.install());
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        } catch (CaptureFilterException e) {
            return DaemonCommand.configError(new ConfigException(e.getMessage()));
        } catch (CaptureOpenException e) {
            return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
        }
    }
}
