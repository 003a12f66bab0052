package com.secureot.remote;

import com.secureot.pcap.config.MetricsConfig;
import com.secureot.pcap.metrics.PrometheusEndpoint;
import com.secureot.remote.sender.CollectorMetrics;
import com.secureot.remote.sender.RejectReason;
import io.prometheus.metrics.core.metrics.CounterWithCallback;

import java.io.IOException;

/**
 * The collector's Prometheus endpoint ({@code metrics.listen}): the storage metrics shared with
 * the capture daemons plus the collector's own. Labels carry bounded values only (transport,
 * reason), never a sender address: per-sender figures are in the log lines.
 */
final class CollectorEndpoint {
    private CollectorEndpoint() {
    }

    /** The started endpoint, or null when {@code metrics.listen} is not set. */
    static PrometheusEndpoint start(MetricsConfig mc, CollectorMetrics m) throws CollectorDaemon.BindException {
        if (!mc.endpointEnabled()) {
            return null;
        }
        PrometheusEndpoint e = new PrometheusEndpoint(m.storage, false, false);
        CounterWithCallback.builder().name("secureot_packets_received_total")
                .help("Packets received from senders, by transport.").labelNames("transport")
                .callback(cb -> {
                    cb.call(m.tcpPackets.get(), "tcp");
                    cb.call(m.udpPackets.get(), "udp");
                }).register(e.registry());
        CounterWithCallback.builder().name("secureot_bytes_received_total")
                .help("Packet bytes (captured length) received from senders, by transport.").labelNames("transport")
                .callback(cb -> {
                    cb.call(m.tcpBytes.get(), "tcp");
                    cb.call(m.udpBytes.get(), "udp");
                }).register(e.registry());
        CounterWithCallback.builder().name("secureot_rejected_total")
                .help("Connections, streams and datagrams refused, by reason.").labelNames("reason")
                .callback(cb -> {
                    for (RejectReason r : RejectReason.values()) {
                        cb.call(m.rejected(r), r.label());
                    }
                }).register(e.registry());
        e.counter("secureot_sequence_gaps_total", "SOT1 sequence numbers never received (lost datagrams).",
                m.sot1Gaps::get);
        e.gauge("secureot_connections_active", "TCP connections being served.", m.activeConnections::get);
        e.counter("secureot_connections_accepted_total", "TCP connections accepted and served.",
                m.acceptedConnections::get);
        try {
            e.start(mc.listenHost(), mc.listenPort());
        } catch (IOException | RuntimeException ex) {
            e.close();
            throw new CollectorDaemon.BindException("metrics.listen: cannot listen on " + mc.listenHost() + ":"
                    + mc.listenPort() + ": " + ex.getMessage());
        }
        return e;
    }
}
