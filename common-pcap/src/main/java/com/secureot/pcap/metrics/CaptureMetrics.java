package com.secureot.pcap.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one daemon, in one place. Each counter has one writing thread (the source,
 * the writer or the sender); readers (the summary line, the metrics endpoint) may read any time.
 * At any moment: captured = written + dropped + in flight (in queues or in file buffers).
 */
public final class CaptureMetrics {
    // Source side (libpcap, a replayed file, or the collector's sockets).
    public final AtomicLong captured = new AtomicLong();
    public final AtomicLong capturedBytes = new AtomicLong();
    /** libpcap's ps_drop: the kernel ring was full. */
    public final AtomicLong kernelDropped = new AtomicLong();
    /** libpcap's ps_ifdrop: dropped by the interface or driver. */
    public final AtomicLong interfaceDropped = new AtomicLong();

    // Storage side.
    public final AtomicLong written = new AtomicLong();
    public final AtomicLong writtenBytes = new AtomicLong();
    public final AtomicLong filesOpen = new AtomicLong();
    public final AtomicLong filesCreated = new AtomicLong();
    public final AtomicLong filesDeleted = new AtomicLong();
    /** Files an earlier run left damaged (cut inside a record, no header), repaired at start. */
    public final AtomicLong filesRepaired = new AtomicLong();
    private final ReasonCounters<DropReason> dropped = new ReasonCounters<>(DropReason.class);

    // Forwarding side.
    public final AtomicLong forwarded = new AtomicLong();
    public final AtomicLong forwardedBytes = new AtomicLong();
    public final AtomicLong forwardConnected = new AtomicLong();
    public final AtomicLong forwardConnects = new AtomicLong();
    /** Forwarding sends UDP datagrams: {@link #forwarded} counts what the kernel accepted ("sent"). */
    private volatile boolean datagrams;
    private final ReasonCounters<ForwardDropReason> forwardDropped = new ReasonCounters<>(ForwardDropReason.class);
    // Forwarding to Kafka (forward.protocol kafka); forwarded counts the packets the brokers acknowledged.
    /** Set once by the Kafka sink: the summary line then shows the figures below. */
    public volatile boolean kafka;
    /** Records the brokers acknowledged (acks=all). */
    public final AtomicLong kafkaRecords = new AtomicLong();
    /** Records the producer gave up on (each error's packets are counted in forwardDrops). */
    public final AtomicLong kafkaErrors = new AtomicLong();
    /** Sends the producer retried (its record-retry-total), copied now and then by the sink. */
    public final AtomicLong kafkaRetries = new AtomicLong();
    // SOT2 (acknowledged forwarding): forwarded counts acknowledged packets; these say what waits.
    /** True for a SOT2 forwarder: the summary line and the endpoint carry the spool's figures. */
    public volatile boolean forwardAcknowledged;
    public final AtomicLong forwardBacklogPackets = new AtomicLong();
    public final AtomicLong forwardBacklogBytes = new AtomicLong();
    /** Seconds since the capture of the oldest unacknowledged packet (to its spool segment's first). */
    public final AtomicLong forwardBacklogAgeSeconds = new AtomicLong();
    public final AtomicLong forwardBackfillBitsPerSecond = new AtomicLong();
    /** Packets sent again: the backlog after a reconnect or a restart. */
    public final AtomicLong forwardResent = new AtomicLong();

    public void drop(DropReason reason, long packets) {
        dropped.add(reason, packets);
    }

    public long dropped(DropReason reason) {
        return dropped.get(reason);
    }

    public long droppedTotal() {
        return dropped.total();
    }

    /** Packets not stored, by reason. */
    public ReasonCounters<DropReason> drops() {
        return dropped;
    }

    public void forwardDrop(ForwardDropReason reason, long packets) {
        forwardDropped.add(reason, packets);
    }

    public long forwardDroppedTotal() {
        return forwardDropped.total();
    }

    /** Packets stored but not forwarded, by reason. */
    public ReasonCounters<ForwardDropReason> forwardDrops() {
        return forwardDropped;
    }

    /** Packets received but neither written nor dropped yet: in queues or in file buffers. */
    public long inFlight() {
        return captured.get() - written.get() - droppedTotal();
    }

    private long lastCaptured;
    private long lastWritten;
    private long lastForwarded;
    private long lastNanos = System.nanoTime();

    /**
     * The summary line preceded by the rates since the previous call; for the periodic log
     * line, called from one thread.
     */
    public synchronized String periodic(boolean withForward) {
        long now = System.nanoTime();
        double secs = Math.max(1e-3, (now - lastNanos) / 1e9);
        long c = captured.get();
        long w = written.get();
        long f = forwarded.get();
        String rates = String.format("rate: captured %.0f/s written %.0f/s%s | ", (c - lastCaptured) / secs,
                (w - lastWritten) / secs, withForward ? String.format(datagrams ? " sent %.0f/s" : " forwarded %.0f/s", (f - lastForwarded) / secs) : "");
        lastCaptured = c;
        lastWritten = w;
        lastForwarded = f;
        lastNanos = now;
        return rates + summary(withForward);
    }

    /** Set by the UDP sink: the summary then says {@code sent=} and shows no connection. */
    public void forwardsDatagrams() {
        datagrams = true;
    }

    /** One line with every figure, for the periodic and final log lines. */
    public String summary(boolean withForward) {
        return summary(true, withForward);
    }

    /**
     * The storage figures only, for the collector: it captures nothing itself, so the kernel's
     * and the interface's drop counters (always 0 there) are left out.
     */
    public String storeSummary() {
        return summary(false, false);
    }

    private String summary(boolean capture, boolean withForward) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("captured=").append(captured.get())
                .append(" bytes=").append(capturedBytes.get());
        if (capture) {
            sb.append(" kernel_dropped=").append(kernelDropped.get())
                    .append(" if_dropped=").append(interfaceDropped.get());
        }
        sb.append(" written=").append(written.get())
                .append(" in_flight=").append(inFlight())
                .append(" files_open=").append(filesOpen.get())
                .append(" files_created=").append(filesCreated.get())
                .append(" files_deleted=").append(filesDeleted.get())
                .append(" files_repaired=").append(filesRepaired.get());
        dropped.appendTo(sb, "dropped_", false);
        if (withForward && datagrams) {
            // UDP knows only that the kernel took a datagram, and has no connection to report.
            sb.append(" sent=").append(forwarded.get())
                    .append(" sent_bytes=").append(forwardedBytes.get());
            forwardDropped.appendTo(sb, "fwd_dropped_", false);
        } else if (withForward) {
            sb.append(" forwarded=").append(forwarded.get())
                    .append(" fwd_bytes=").append(forwardedBytes.get())
                    .append(" connected=").append(forwardConnected.get() > 0)
                    .append(" connects=").append(forwardConnects.get());
            if (kafka) {
                sb.append(" kafka_records=").append(kafkaRecords.get())
                        .append(" kafka_errors=").append(kafkaErrors.get())
                        .append(" kafka_retries=").append(kafkaRetries.get());
            }
            forwardDropped.appendTo(sb, "fwd_dropped_", false);
            if (forwardAcknowledged) {
                sb.append(" fwd_backlog=").append(forwardBacklogPackets.get())
                        .append(" fwd_backlog_bytes=").append(forwardBacklogBytes.get())
                        .append(" fwd_backlog_age_s=").append(forwardBacklogAgeSeconds.get())
                        .append(" fwd_resent=").append(forwardResent.get());
            }
        }
        return sb.toString();
    }
}
