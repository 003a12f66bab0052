package com.secureot.pcap.store;

import java.nio.file.Path;

/**
 * Told where an acknowledged stream's records go, so that a restarted collector can cut its
 * files back to what it had acknowledged (docs/wire-formats.md, "SOT2 at the collector"). The
 * records of one stream between two commits form an interval; the store reports the first record
 * of each interval in each file, before that record can reach the file. Called on the store's
 * thread, at most once per file and interval, never per packet.
 */
public interface AppendTracker {
    /** The first record of {@code interval} in {@code file} starts at byte {@code offset}. */
    void firstAppend(Path file, long offset, long interval);

    /**
     * Another source wrote into {@code file} after this stream's records of {@code interval}:
     * cutting the file back would lose that source's records, so it must not be cut.
     */
    void shared(Path file, long interval);
}
