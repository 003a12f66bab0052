package com.secureot.pcap.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The collector's own counters, next to the storage counters of {@link CaptureMetrics}: what
 * each transport received, the connections, and what was refused and why.
 */
public final class CollectorMetrics {
    public final CaptureMetrics storage = new CaptureMetrics();
    public final AtomicLong tcpPackets = new AtomicLong();
    public final AtomicLong tcpBytes = new AtomicLong();
    public final AtomicLong udpPackets = new AtomicLong();
    public final AtomicLong udpBytes = new AtomicLong();
    public final AtomicLong sot1Gaps = new AtomicLong();
    /** SOT2: records stored, resent records recognised and dropped, records the sensors skipped, acks sent. */
    public final AtomicLong sot2Records = new AtomicLong();
    public final AtomicLong sot2Duplicates = new AtomicLong();
    public final AtomicLong sot2Skipped = new AtomicLong();
    public final AtomicLong sot2Acks = new AtomicLong();
    public final AtomicLong activeConnections = new AtomicLong();
    public final AtomicLong acceptedConnections = new AtomicLong();
    private final ReasonCounters<RejectReason> rejected = new ReasonCounters<>(RejectReason.class);
    private final ReasonCounters<RejectReason> connectionsRejected = new ReasonCounters<>(RejectReason.class);
    // protocol kafka: the consumer thread writes these.
    /** Set by the Kafka consumer: the summary line then shows the figures below. */
    public volatile boolean kafka;
    public final AtomicLong kafkaRecords = new AtomicLong();
    /** Packets of the records consumed that were handed to the files (duplicates not included). */
    public final AtomicLong kafkaPackets = new AtomicLong();
    public final AtomicLong kafkaBytes = new AtomicLong();
    /** Packets skipped because this collector's files already hold them (by sensor sequence number). */
    public final AtomicLong kafkaDuplicates = new AtomicLong();
    /** Ranges of stored sequence numbers forgotten for room (a sensor run with too many gaps): later copies of them are stored again. */
    public final AtomicLong kafkaRangesForgotten = new AtomicLong();
    /** Records refused (not SOTK, bad values); each is logged with its partition and offset. */
    public final AtomicLong kafkaBadRecords = new AtomicLong();
    /** Consumer lag by partition (records not yet consumed), updated about once a second. */
    public final java.util.concurrent.ConcurrentHashMap<Integer, Long> kafkaLag = new java.util.concurrent.ConcurrentHashMap<>();

    public void reject(RejectReason reason) {
        rejected.add(reason, 1);
    }

    /**
     * A TCP connection refused or closed by the connection policy or TLS: counted with every
     * refusal and, on its own, in the connection refusals.
     */
    public void rejectConnection(RejectReason reason) {
        rejected.add(reason, 1);
        connectionsRejected.add(reason, 1);
    }

    /** TCP connections refused or closed by the connection policy or TLS, by reason. */
    public ReasonCounters<RejectReason> connectionRejections() {
        return connectionsRejected;
    }

    /** Refusals by reason. */
    public ReasonCounters<RejectReason> rejections() {
        return rejected;
    }

    /** One line with every figure. */
    public String summary() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("tcp_packets=").append(tcpPackets.get())
                .append(" tcp_bytes=").append(tcpBytes.get())
                .append(" udp_packets=").append(udpPackets.get())
                .append(" udp_bytes=").append(udpBytes.get())
                .append(" sot1_gaps=").append(sot1Gaps.get())
                .append(" sot2_records=").append(sot2Records.get())
                .append(" sot2_duplicates=").append(sot2Duplicates.get())
                .append(" sot2_skipped=").append(sot2Skipped.get())
                .append(" sot2_acks=").append(sot2Acks.get())
                .append(" connections_active=").append(activeConnections.get())
                .append(" connections_accepted=").append(acceptedConnections.get())
                .append(" connections_rejected=").append(connectionsRejected.total())
                .append(" rejected=").append(rejected.total());
        rejected.appendTo(sb, "rejected_", true);
        if (kafka) {
            sb.append(" kafka_records=").append(kafkaRecords.get())
                    .append(" kafka_packets=").append(kafkaPackets.get())
                    .append(" kafka_bytes=").append(kafkaBytes.get())
                    .append(" kafka_duplicates=").append(kafkaDuplicates.get())
                    .append(" kafka_bad_records=").append(kafkaBadRecords.get())
                    .append(" kafka_ranges_forgotten=").append(kafkaRangesForgotten.get());
        }
        sb.append(' ').append(storage.storeSummary());
        return sb.toString();
    }
}
