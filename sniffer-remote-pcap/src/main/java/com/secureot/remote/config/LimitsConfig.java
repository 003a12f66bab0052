package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;

/**
 * {@code limits}: what one sender may cost the collector, so that hostile or broken senders
 * cannot exhaust memory or threads.
 *
 * @param maxConnections TCP connections served at once; one more is closed at once and counted
 * @param maxSnaplen the largest record accepted from a pcap stream; a larger one closes the stream
 * @param idleTimeoutSeconds a TCP connection silent this long is closed (0 = never)
 * @param queueBytes memory between the receiving threads and the file writer
 */
public record LimitsConfig(int maxConnections, int maxSnaplen, int idleTimeoutSeconds, long queueBytes) {

    static LimitsConfig read(ConfigNode n) {
        int conns = (int) n.integer("max_connections", 256, 1, 10_000);
        int snap = (int) n.integer("max_snaplen", 262144, 1514, 1 << 20);
        int idle = (int) n.integer("idle_timeout_seconds", 3600, 0, 7 * 86400);
        long queueMb = n.integer("queue_size_mb", 64, 4, 4096);
        n.finish();
        return new LimitsConfig(conns, snap, idle, queueMb << 20);
    }
}
