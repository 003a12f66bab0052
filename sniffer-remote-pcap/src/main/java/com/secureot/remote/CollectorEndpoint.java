package com.secureot.remote;

import com.secureot.pcap.config.MetricsConfig;
import com.secureot.pcap.metrics.PrometheusEndpoint;
import com.secureot.pcap.metrics.CollectorMetrics;

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
        e.registerCollector(m);
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
