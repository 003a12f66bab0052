package com.secureot.pcap.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One counter per reason of an enum (drops, forwarding drops, refusals), with the views the
 * summary lines, the exit line and the metrics endpoint need.
 */
public final class ReasonCounters<E extends Enum<E> & Reason> {
    private final E[] reasons;
    private final AtomicLongArray counts;

    public ReasonCounters(Class<E> type) {
        reasons = type.getEnumConstants();
        counts = new AtomicLongArray(reasons.length);
    }

    public void add(E reason, long n) {
        counts.addAndGet(reason.ordinal(), n);
    }

    public long get(E reason) {
        return counts.get(reason.ordinal());
    }

    public long total() {
        long t = 0;
        for (int i = 0; i < reasons.length; i++) {
            t += counts.get(i);
        }
        return t;
    }

    public E[] reasons() {
        return reasons.clone();
    }

    /** {@code queue_full=3, disk_full=2}: the reasons that counted something. */
    public String nonZero() {
        StringBuilder sb = new StringBuilder();
        for (E r : reasons) {
            long n = get(r);
            if (n > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(r.label()).append('=').append(n);
            }
        }
        return sb.toString();
    }

    /** Appends {@code <prefix><label>=<count>} for each reason, or only those above 0. */
    public void appendTo(StringBuilder sb, String prefix, boolean onlyNonZero) {
        for (E r : reasons) {
            long n = get(r);
            if (!onlyNonZero || n > 0) {
                sb.append(' ').append(prefix).append(r.label()).append('=').append(n);
            }
        }
    }
}
