package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;

/**
 * {@code limits}: what one sender may cost the collector, so that hostile or broken senders
 * cannot exhaust memory, connections or threads.
 *
 * @param maxConnections TCP connections served at once (both ports); one more is refused, unless
 *                       a connection that has not yet shown a valid stream start can be evicted
 * @param maxSnaplen the largest record accepted from a pcap stream; a larger one closes the stream
 * @param idleTimeoutSeconds a TCP connection silent this long between records is closed (0 = never)
 * @param queueBytes memory between the receiving threads and the file writer
 * @param maxConnectionsPerAddress TCP connections from one source address at once
 * @param reservedConnections slots of {@code maxConnections} that plaintext connections from
 *                            anyone (no {@code allowed_senders}) cannot take while TLS is on
 * @param firstBytesTimeoutSeconds the stream's first byte must arrive this soon after the accept
 *                                 (after the handshake on the TLS port)
 * @param progressTimeoutSeconds a header or record, once begun, must be complete this soon
 * @param ioThreads event-loop threads serving every TCP connection
 */
public record LimitsConfig(int maxConnections, int maxSnaplen, int idleTimeoutSeconds, long queueBytes,
                           int maxConnectionsPerAddress, int reservedConnections, int firstBytesTimeoutSeconds,
                           int progressTimeoutSeconds, int ioThreads) {

    private static int defaultIoThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    static LimitsConfig read(ConfigNode n) {
        int conns = (int) n.integer("max_connections", 256, 1, 100_000);
        int snap = (int) n.integer("max_snaplen", 262144, 1514, 1 << 20);
        int idle = (int) n.integer("idle_timeout_seconds", 3600, 0, 7 * 86400);
        long queueMb = n.integer("queue_size_mb", 64, 4, 4096);
        int perAddress = (int) n.integer("max_connections_per_address", 64, 1, 100_000);
        int reserved = (int) n.integer("reserved_connections", conns / 10, 0, 100_000);
        if (reserved >= conns) {
            n.error("reserved_connections", reserved + " leaves no slot of limits.max_connections (" + conns
                    + ") for anyone else (expected below it)");
        }
        int first = (int) n.integer("first_bytes_timeout_seconds", 30, 1, 3600);
        int progress = (int) n.integer("progress_timeout_seconds", 10, 1, 3600);
        int threads = (int) n.integer("io_threads", defaultIoThreads(), 1, 64);
        n.finish();
        return new LimitsConfig(conns, snap, idle, queueMb << 20, perAddress, reserved, first, progress, threads);
    }
}
