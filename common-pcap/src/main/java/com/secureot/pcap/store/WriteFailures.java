package com.secureot.pcap.store;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The failure episodes of a store: packets it could not store are counted by reason, and an
 * episode is logged as one ERROR line when it starts (at most one a minute) and one INFO line
 * when writing really works again, not one line per packet. Owned by the store's thread.
 */
final class WriteFailures {
    private static final Logger log = LoggerFactory.getLogger(RotatingPcapStore.class);
    private static final long LOG_INTERVAL_MILLIS = 60_000;

    private final Path dir;
    private final CaptureMetrics metrics;
    private String failure;
    private DropReason kind;
    private boolean logged;
    private long lastErrorLogMillis;
    private long dropped;
    // A full disk's episode: the free space when it began, and what this store freed and used since.
    private long freeAtFailure;
    private long cutBack;
    private long writtenSince;
    /** Free space grown by more than this (beyond what cutting files back freed) is room someone made. */
    private static final long ROOM_MADE_BYTES = 64 << 10;

    WriteFailures(Path dir, CaptureMetrics metrics) {
        this.dir = dir;
        this.metrics = metrics;
    }

    /** What {@code e} is, for the counters (by errno, see {@link IoErrors}). */
    DropReason reasonOf(IOException e) {
        return IoErrors.reasonOf(e, dir);
    }

    /** Starts an episode (if none is going on) with the line an operator reads. */
    void fail(String message, DropReason reason, long nowMillis) {
        if (failure != null) {
            return;
        }
        failure = message;
        kind = reason;
        cutBack = 0;
        writtenSince = 0;
        freeAtFailure = reason == DropReason.DISK_FULL ? IoErrors.unallocatedBytes(dir) : -1;
        // A full disk flaps: cutting a failed file back frees a little space, the next write
        // fits, the one after fails. One ERROR line per minute at most; the counters say the rest.
        if (nowMillis - lastErrorLogMillis >= LOG_INTERVAL_MILLIS || lastErrorLogMillis == 0) {
            log.error("{}; packets are dropped and counted until writing works again", message);
            lastErrorLogMillis = Math.max(1, nowMillis);
            logged = true;
        }
    }

    void drop(DropReason reason, long n) {
        if (n > 0) {
            metrics.drop(reason, n);
            dropped += n;
        }
    }

    /** A failed file was cut back to its last whole record, freeing {@code bytes}. */
    void cutBack(long bytes) {
        if (failure != null) {
            cutBack += bytes;
        }
    }

    /**
     * {@code records} records ({@code bytes} bytes) really reached {@code file}. That ends an
     * episode, except a full disk's while nobody made room: such a write only used the space
     * that cutting failed files back had freed, and the next one fails again. Room was made when
     * the file system's free space grew by more than that cut-back space less what was written
     * since (statvfs's free blocks, which count for root and others alike).
     */
    void wrote(Path file, int records, long bytes) {
        if (failure == null || records == 0) {
            return;
        }
        writtenSince += bytes;
        if (kind == DropReason.DISK_FULL && freeAtFailure >= 0) {
            long grown = IoErrors.unallocatedBytes(dir) - freeAtFailure;
            if (grown - (cutBack - writtenSince) <= ROOM_MADE_BYTES) {
                return;
            }
        }
        failure = null;
        if (logged) {
            log.info("writing works again ({}); {} packets were dropped while it failed", file, dropped);
            logged = false;
            dropped = 0;
        }
    }
}
