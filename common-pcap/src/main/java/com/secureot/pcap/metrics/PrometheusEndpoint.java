package com.secureot.pcap.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.util.function.DoubleSupplier;

/**
 * Serves the daemon's counters in the Prometheus text format on {@code metrics.listen}, built on
 * the official Prometheus Java client. Every metric reads the live counters at scrape time
 * (callbacks), so the hot path pays nothing for it. Labels only carry bounded values (a drop
 * reason, a transport): never an IP address, which would explode with per-source files.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private HTTPServer server;

    /** Registers the capture/storage/forwarding metrics of {@code m}. */
    public PrometheusEndpoint(CaptureMetrics m, boolean capture, boolean forward) {
        if (capture) {
            counter("secureot_packets_captured_total", "Packets received from libpcap (or read from a replayed file).",
                    m.captured::get);
            counter("secureot_bytes_captured_total", "Captured bytes (caplen) received from libpcap.",
                    m.capturedBytes::get);
            counter("secureot_kernel_dropped_total",
                    "Packets the kernel dropped because the capture ring was full (pcap_stats ps_drop).",
                    m.kernelDropped::get);
            counter("secureot_interface_dropped_total",
                    "Packets dropped by the interface or driver (pcap_stats ps_ifdrop).", m.interfaceDropped::get);
        }
        counter("secureot_packets_written_total", "Packets written to pcap files.", m.written::get);
        counter("secureot_bytes_written_total", "Packet bytes (without pcap headers) written to pcap files.",
                m.writtenBytes::get);
        byReason("secureot_packets_dropped_total",
                "Packets received but not stored, by reason (queue_full, disk_full, write_error).", m.drops());
        gauge("secureot_packets_in_flight", "Packets received and not yet written or dropped (queues, file buffers).",
                m::inFlight);
        gauge("secureot_files_open", "Pcap files open for writing.", m.filesOpen::get);
        counter("secureot_files_opened_total", "Pcap files created or reopened for appending (new hours, parts, prefixes).",
                m.filesCreated::get);
        counter("secureot_files_deleted_total", "Closed pcap files deleted by retention.", m.filesDeleted::get);
        counter("secureot_files_repaired_total",
                "Files an earlier run left damaged (cut inside a record, no header), repaired at start.",
                m.filesRepaired::get);
        if (forward) {
            counter("secureot_packets_forwarded_total", "Packets handed to the collector's socket (SOT2: "
                    + "acknowledged by the collector; Kafka: by the brokers).", m.forwarded::get);
            counter("secureot_bytes_forwarded_total", "Packet bytes handed to the collector's socket.",
                    m.forwardedBytes::get);
            byReason("secureot_forward_dropped_total", "Packets stored locally but not forwarded, by reason.",
                    m.forwardDrops());
            gauge("secureot_forward_connected", "1 when the TCP stream to the collector is up (UDP: always 1).",
                    m.forwardConnected::get);
            counter("secureot_forward_connects_total", "Successful connections to the collector.",
                    m.forwardConnects::get);
            counter("secureot_kafka_records_published_total",
                    "Kafka records (batches of packets) the brokers acknowledged (forward.protocol kafka).",
                    m.kafkaRecords::get);
            counter("secureot_kafka_producer_errors_total",
                    "Kafka records the brokers refused (too large, invalid: their packets are in "
                    + "secureot_forward_dropped_total) or that made the producer start anew (then sent again).",
                    m.kafkaErrors::get);
            counter("secureot_kafka_producer_retries_total", "Kafka record sends the producer retried.",
                    m.kafkaRetries::get);
            if (m.forwardAcknowledged) {
                gauge("secureot_forward_backlog_packets", "SOT2 and Kafka: packets in the spool not yet acknowledged.",
                        m.forwardBacklogPackets::get);
                gauge("secureot_forward_backlog_bytes", "SOT2 and Kafka: packet bytes in the spool segments not yet "
                        + "acknowledged.", m.forwardBacklogBytes::get);
                gauge("secureot_forward_backlog_age_seconds", "SOT2 and Kafka: age of the oldest unacknowledged packet "
                        + "(capture time of its spool segment's first packet).", m.forwardBacklogAgeSeconds::get);
                gauge("secureot_forward_backfill_bits_per_second", "SOT2: rate at which the backlog is being resent.",
                        m.forwardBackfillBitsPerSecond::get);
                counter("secureot_forward_resent_total", "SOT2: packets sent again (backlog after a reconnect or "
                        + "restart).", m.forwardResent::get);
            }
        }
    }

    /** Adds the collector's metrics: receptions by transport, refusals by reason, SOT1 gaps, connections. */
    public void registerCollector(CollectorMetrics m) {
        byTransport("secureot_packets_received_total", "Packets received from senders, by transport (tcp, udp, kafka).",
                m.tcpPackets::get, m.udpPackets::get, m.kafka ? m.kafkaPackets::get : null);
        byTransport("secureot_bytes_received_total",
                "Packet bytes (captured length) received from senders, by transport.", m.tcpBytes::get,
                m.udpBytes::get, m.kafka ? m.kafkaBytes::get : null);
        byReason("secureot_rejected_total", "Connections, streams and datagrams refused, by reason.", m.rejections());
        byReason("secureot_connections_rejected_total",
                "TCP connections refused or closed by the connection policy or TLS, by reason.",
                m.connectionRejections());
        counter("secureot_sequence_gaps_total", "SOT1 sequence numbers never received (lost datagrams).",
                m.sot1Gaps::get);
        counter("secureot_sot2_records_total", "SOT2 records stored.", m.sot2Records::get);
        counter("secureot_sot2_duplicates_total", "SOT2 records received again and dropped (already stored).",
                m.sot2Duplicates::get);
        counter("secureot_sot2_skipped_total", "SOT2 records a sensor dropped before sending them (its spool was "
                + "full).", m.sot2Skipped::get);
        counter("secureot_sot2_acks_total", "SOT2 acknowledgements sent.", m.sot2Acks::get);
        gauge("secureot_connections_active", "TCP connections being served.", m.activeConnections::get);
        if (m.kafka) {
            counter("secureot_kafka_records_consumed_total", "Kafka records consumed (protocol kafka).",
                    m.kafkaRecords::get);
            counter("secureot_kafka_packets_consumed_total", "Packets of consumed Kafka records handed to the files.",
                    m.kafkaPackets::get);
            counter("secureot_kafka_duplicates_skipped_total",
                    "Packets skipped because this collector's files already held them (sensor sequence numbers).",
                    m.kafkaDuplicates::get);
            counter("secureot_kafka_bad_records_total", "Kafka records refused (not SOTK, or a bad value).",
                    m.kafkaBadRecords::get);
            counter("secureot_kafka_sequence_ranges_forgotten_total",
                    "Ranges of stored sequence numbers forgotten for room (a sensor run with too many gaps).",
                    m.kafkaRangesForgotten::get);
            GaugeWithCallback.builder().name("secureot_kafka_consumer_lag")
                    .help("Records of each assigned partition not yet consumed.").labelNames("partition")
                    .callback(cb -> m.kafkaLag.forEach((p, lag) -> cb.call(lag, String.valueOf(p))))
                    .register(registry);
        }
        counter("secureot_connections_accepted_total", "TCP connections accepted and served.",
                m.acceptedConnections::get);
    }

    /** A counter labelled {@code reason}, one series per reason of {@code counters}. */
    private <E extends Enum<E> & Reason> void byReason(String name, String help, ReasonCounters<E> counters) {
        CounterWithCallback.builder().name(name).help(help).labelNames("reason")
                .callback(cb -> {
                    for (E r : counters.reasons()) {
                        cb.call(counters.get(r), r.label());
                    }
                }).register(registry);
    }

    /** A counter labelled {@code transport}: {@code tcp}, {@code udp}, and {@code kafka} when given. */
    private void byTransport(String name, String help, DoubleSupplier tcp, DoubleSupplier udp, DoubleSupplier kafka) {
        CounterWithCallback.builder().name(name).help(help).labelNames("transport")
                .callback(cb -> {
                    cb.call(tcp.getAsDouble(), "tcp");
                    cb.call(udp.getAsDouble(), "udp");
                    if (kafka != null) {
                        cb.call(kafka.getAsDouble(), "kafka");
                    }
                }).register(registry);
    }

    private void counter(String name, String help, DoubleSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    private void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    /** Starts serving {@code /metrics}; fails with the reason when the address cannot be bound. */
    public void start(String host, int port) throws IOException {
        server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
    }

    /** The bound port (useful with port 0 in tests). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
