package com.secureot.remote;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.daemon.ConfigOptions;
import com.secureot.pcap.daemon.DaemonCommand;
import com.secureot.pcap.daemon.ExitCodes;
import com.secureot.pcap.daemon.Shutdown;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.remote.ingest.TlsPort;
import com.secureot.pcap.metrics.CollectorMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.concurrent.Callable;

/** {@code sniffer-remote-pcap}: the collector storing what many sensors send, in files per sender. */
@Command(name = "sniffer-remote-pcap", mixinStandardHelpOptions = true, versionProvider = DaemonCommand.Version.class,
        description = "Receives packets from many sensors (PCAP-over-IP and legacy raw frames over TCP, SOT1 and "
                + "legacy raw datagrams over UDP, or SOTK records from Apache Kafka as a member of a consumer group) "
                + "and stores them in PCAP files rotated every hour and split by sender address or sensor id.",
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:success (SIGTERM/SIGINT: records in flight finished, files flushed and closed)",
            "64:bad command line",
            "69:port cannot be bound (in use, no permission, address not on this host)",
            "70:internal error",
            "78:bad configuration (nothing written)"})
public final class RemotePcapMain implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    public static void main(String[] args) {
        System.exit(DaemonCommand.execute(new RemotePcapMain(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        CollectorConfig cfg;
        try {
            cfg = CollectorConfig.from(options.load());
            if (cfg.kafka() != null) {
                com.secureot.remote.kafka.KafkaConsumerProperties.check(cfg.kafka());
            }
            if (cfg.tls().enable()) {
                TlsPort.load(cfg.tls(), Clock.systemUTC()); // the files: unreadable, key not the certificate's, expired
            }
            if (options.checkConfig()) {
                return options.valid(cfg.storage().outputDir(), cfg.kafka() == null ? "" : "; consuming kafka topic "
                        + cfg.kafka().client().topic() + " in group " + cfg.kafka().groupId());
            }
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        }
        try {
            return new CollectorDaemon(cfg, new CollectorMetrics(), Clock.systemUTC()).run(Shutdown.install());
        } catch (ConfigException e) {
            return DaemonCommand.configError(e);
        } catch (CollectorDaemon.BindException e) {
            return DaemonCommand.fail(e.getMessage(), ExitCodes.UNAVAILABLE);
        }
    }

}
