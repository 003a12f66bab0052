package com.secureot.e2e;

import java.nio.file.Path;

/** The collector configuration the end-to-end tests start from: loopback, one prefix, metrics on a port, no periodic log. */
final class CollectorYaml {
    private CollectorYaml() {
    }

    /** @param extraYaml more top-level keys (a {@code tls} or {@code udp_auth} block, routing rules) */
    static String of(int port, String protocol, String prefix, Path out, int metricsPort, String extraYaml) {
        return "port: " + port + "\n"
                + "protocol: " + protocol + "\n"
                + "bind_address: \"127.0.0.1\"\n"
                + "default_output_prefix: \"" + prefix + "\"\n"
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + "metrics:\n"
                + "  listen: \"127.0.0.1:" + metricsPort + "\"\n"
                + "  log_interval_seconds: 0\n"
                + extraYaml;
    }
}
