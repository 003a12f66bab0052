package com.secureot.pcap.store;

import com.secureot.pcap.metrics.CaptureMetrics;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The open files of one store: their list (oldest opened first), their count against the bound,
 * their write buffers, their recency, and their paths in the set shared with the other partitions
 * and with retention (which must never delete an open file). Owned by the store's thread.
 *
 * <p>The least recently written files are found by a scan when the bound is reached: keeping a
 * recency list in order touched two other files' objects a packet.
 */
final class OpenFileTable {
    // Per-file write buffers shrink as more files are open, so memory stays bounded with one
    // file per source IP while the few busy files of a plant still write in large chunks. Each
    // write(2) costs an inode time update besides the copy: a 10 000-host replay ran 8 % faster
    // with 16 KiB than with 8 KiB beyond the first 256 files, 13 % than with 4 KiB, and 8 %
    // faster than with the 16 KiB tier ending at 4 096 files (measured). Memory: 256 x 64 KiB +
    // 7 936 x 16 KiB = 140 MiB per writer thread at most, then 4 KiB a file.
    private static final int[] BUFFER_TIERS = {64 << 10, 16 << 10, 4 << 10};
    private static final int[] TIER_OPEN_FILES = {256, 8192, Integer.MAX_VALUE};

    private final WriteBuffers[] buffers = new WriteBuffers[BUFFER_TIERS.length];
    private final Set<Path> openPaths;
    private final CaptureMetrics metrics;
    private OpenFile newest;
    private OpenFile oldest;
    private int count;
    private int max;
    /** Counts stored packets; each file keeps the count of its last one, which orders files by recency. */
    private long writeSequence;

    OpenFileTable(Set<Path> openPaths, CaptureMetrics metrics, int max) {
        this.openPaths = openPaths;
        this.metrics = metrics;
        this.max = max;
        for (int i = 0; i < BUFFER_TIERS.length; i++) {
            buffers[i] = new WriteBuffers(BUFFER_TIERS[i]);
        }
    }

    int count() {
        return count;
    }

    int max() {
        return max;
    }

    void lowerMax(int to) {
        max = to;
    }

    boolean full() {
        return count >= max;
    }

    /** The buffer tier of the next file: smaller buffers as more files are open. */
    int nextTier() {
        int tier = 0;
        while (count >= TIER_OPEN_FILES[tier]) {
            tier++;
        }
        return tier;
    }

    WriteBuffers buffers(int tier) {
        return buffers[tier];
    }

    /**
     * Marks {@code path} open for every partition and for retention, before the file is opened:
     * retention checks this set under its lock at the moment it deletes (see {@link RetentionSweeper}),
     * so a file is either seen open or already gone when reopened.
     */
    void reserve(Path path) {
        openPaths.add(path);
    }

    void unreserve(Path path) {
        openPaths.remove(path);
    }

    /** Adds an opened file (its path reserved) as the newest, as recent as the last packet. */
    void add(OpenFile f) {
        f.lastWriteSequence = writeSequence; // as recent as the last packet: not the first to close
        f.older = newest;
        f.newer = null;
        if (newest != null) {
            newest.newer = f;
        }
        newest = f;
        if (oldest == null) {
            oldest = f;
        }
        count++;
        metrics.filesOpen.incrementAndGet();
    }

    /** Removes a closed file: its buffer region goes to the next file, its path is free for retention. */
    void remove(OpenFile f) {
        buffers[f.bufferTier].give(f.bufferRegion);
        if (f.older != null) {
            f.older.newer = f.newer;
        } else if (oldest == f) {
            oldest = f.newer;
        }
        if (f.newer != null) {
            f.newer.older = f.older;
        } else if (newest == f) {
            newest = f.older;
        }
        f.newer = null;
        f.older = null;
        count--;
        metrics.filesOpen.decrementAndGet();
        openPaths.remove(f.path);
    }

    /** Records that a packet went to {@code f}. */
    void touched(OpenFile f) {
        f.lastWriteSequence = ++writeSequence;
    }

    /** The oldest opened file, or null; the next are {@code f.newer}. */
    OpenFile oldest() {
        return oldest;
    }

    /** The {@code n} least recently written open files, found with one scan and a sort. */
    List<OpenFile> leastRecentlyWritten(int n) {
        if (n <= 0 || count == 0) {
            return List.of();
        }
        long[] sequences = new long[count];
        int i = 0;
        for (OpenFile f = oldest; f != null; f = f.newer) {
            sequences[i++] = f.lastWriteSequence;
        }
        Arrays.sort(sequences);
        long newestClosed = sequences[Math.min(n, count) - 1];
        List<OpenFile> out = new ArrayList<>(n);
        for (OpenFile f = oldest; f != null && out.size() < n; f = f.newer) {
            if (f.lastWriteSequence <= newestClosed) {
                out.add(f);
            }
        }
        return out;
    }

    /** Gives the buffers' memory back; every file must have been removed. */
    void release() {
        for (WriteBuffers b : buffers) {
            b.release();
        }
    }
}
