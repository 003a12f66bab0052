package com.secureot.e2e;

import java.nio.file.Path;

/** The forwarder configuration the end-to-end tests share: a replay with local files, forwarding to 127.0.0.1. */
final class ForwarderYaml {
    private ForwarderYaml() {
    }

    /**
     * Every block up to and including {@code forward.protocol}; a test appends its own
     * {@code forward.*} keys (two-space indented) after it.
     *
     * @param queueMb {@code capture.queue_size_mb}: the forwarding queue is half of it
     */
    static String replayTo(Path localOut, int queueMb, int port, String protocol) {
        return ""
                + "capture:\n"
                + "  interface: \"unused\"\n"
                + "  queue_size_mb: " + queueMb + "\n"
                + "routing_rules: []\n"
                + "default_output_prefix: \"local\"\n"
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + localOut + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + "metrics:\n"
                + "  log_interval_seconds: 0\n"
                + "forward:\n"
                + "  enable: true\n"
                + "  host: \"127.0.0.1\"\n"
                + "  port: " + port + "\n"
                + "  protocol: \"" + protocol + "\"\n";
    }

    /** The rest of the {@code forward} block for SOT2 as "plant-7", with a spool and no backfill pacing. */
    static String sot2Spooled(Path spool, int spoolMb, int drainSeconds) {
        return "  format: sot2\n"
                + "  sensor_id: \"plant-7\"\n"
                + "  reconnect_min_ms: 100\n"
                + "  reconnect_max_ms: 500\n"
                + "  drain_timeout_seconds: " + drainSeconds + "\n"
                + "  backfill_rate_mbps: 0\n"
                + "  spool:\n"
                + "    directory: \"" + spool + "\"\n"
                + "    max_size_mb: " + spoolMb + "\n";
    }
}
