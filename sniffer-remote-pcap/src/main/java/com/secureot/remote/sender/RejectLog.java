package com.secureot.remote.sender;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.pcap.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refusals, one WARN line each naming the sender and the reason, at most
 * {@link #BURST} lines per {@link #WINDOW_MILLIS}: a port scan or a flood of garbage must not
 * fill the journal. What is suppressed is counted, and said once the window ends.
 */
public final class RejectLog {
    static final int BURST = 20;
    static final long WINDOW_MILLIS = 10_000;
    private static final Logger log = LoggerFactory.getLogger("reject");

    private final CollectorMetrics metrics;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    public RejectLog(CollectorMetrics metrics) {
        this.metrics = metrics;
    }

    /** Counts the refusal for the sender and in the totals, and logs it unless over the rate. */
    public void reject(Sender sender, String where, RejectReason reason, String detail) {
        metrics.reject(reason);
        count(sender, where, reason, detail);
    }

    /** As {@link #reject}, for a TCP connection refused by the connection policy or TLS (counted there too). */
    public void rejectConnection(Sender sender, String where, RejectReason reason, String detail) {
        metrics.rejectConnection(reason);
        count(sender, where, reason, detail);
    }

    private void count(Sender sender, String where, RejectReason reason, String detail) {
        if (sender != null) {
            sender.rejected.incrementAndGet();
        }
        String said = null;
        long dropped = 0;
        synchronized (this) {
            long now = System.currentTimeMillis();
            if (now - windowStart >= WINDOW_MILLIS) {
                dropped = suppressed;
                suppressed = 0;
                windowStart = now;
                inWindow = 0;
            }
            if (inWindow < BURST) {
                inWindow++;
                said = where;
            } else {
                suppressed++;
            }
        }
        if (dropped > 0) {
            log.warn("{} more refusals were not logged (rate limit); see the rejected_* counters", dropped);
        }
        if (said != null) {
            log.warn("{}: refused ({}): {}", said, reason.label(), detail);
        }
    }
}
