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
}
