package com.secureot.remote;

import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.remote.sender.Sender;
import com.secureot.remote.sender.SenderRegistry;
import com.secureot.remote.sender.Sensor;
import com.secureot.remote.sender.Sensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The collector's summary lines: one line of totals, then one line per sender (those active
 * since the previous report, periodically; all of them at the end), bounded so that thousands of
 * senders do not flood the log.
 */
final class CollectorReport implements AutoCloseable {
    static final int MAX_SENDER_LINES = 100;
    private static final Logger log = LoggerFactory.getLogger("summary");

    private final CollectorMetrics metrics;
    private final SenderRegistry senders;
    private final Sensors sensors;
    private final Thread thread;

    CollectorReport(int periodSeconds, CollectorMetrics metrics, SenderRegistry senders, Sensors sensors) {
        this.metrics = metrics;
        this.senders = senders;
        this.sensors = sensors;
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(periodSeconds * 1000L);
                    report("", false);
                }
            } catch (InterruptedException e) {
                // closing
            }
        }, "summary");
        thread.setDaemon(true);
        if (periodSeconds > 0) {
            thread.start();
        }
    }

    /** Logs the totals and the sender lines; {@code all}: every sender, not only the active ones. */
    synchronized void report(String label, boolean all) {
        log.info("{}{}", label, metrics.summary());
        List<Sender> list = senders.snapshot();
        int shown = 0;
        int skipped = 0;
        for (Sender s : list) {
            long p = s.packets.get();
            long r = s.rejected.get();
            if (!all && p == s.reportedPackets && r == s.reportedRejected) {
                continue;
            }
            s.reportedPackets = p;
            s.reportedRejected = r;
            if (shown == MAX_SENDER_LINES) {
                skipped++;
                continue;
            }
            shown++;
            log.info("{}sender {}: packets={} bytes={} sot1_gaps={} sot1_restarts={} connections={} rejected={}",
                    label, s.name(), p, s.bytes.get(), s.sot1Gaps.get(), s.sot1Restarts.get(),
                    s.connections.get(), r);
        }
        if (skipped > 0) {
            log.info("{}... and {} more senders", label, skipped);
        }
        // Sensors are the configured keys: few, and each is worth a line in the final summary.
        for (Sensor s : sensors.all()) {
            long p = s.packets.get();
            long r = s.replayed.get();
            if (!all && p == s.reportedPackets && r == s.reportedReplayed) {
                continue;
            }
            s.reportedPackets = p;
            s.reportedReplayed = r;
            log.info("{}sensor {} (key {}): packets={} sot1_gaps={} sot1_restarts={} replayed={}", label, s.name(),
                    s.key().id(), p, s.sot1Gaps.get(), s.sot1Restarts.get(), r);
        }
        if (senders.untracked.get() > 0) {
            log.info("{}{} senders beyond the {} tracked ones are stored but not counted per sender", label,
                    senders.untracked.get(), SenderRegistry.MAX_SENDERS);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
