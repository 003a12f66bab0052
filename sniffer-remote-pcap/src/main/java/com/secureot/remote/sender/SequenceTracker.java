package com.secureot.remote.sender;

/**
 * Counts the SOT1 sequence numbers a sender skipped. The sequence is a u32 that wraps; a number
 * ahead of the expected one means the numbers between were lost; a number at most
 * {@link #REORDER_WINDOW} behind is a late datagram (it fills one gap counted before); a 0 that
 * was not expected (other than just after a wrap), or a number far behind, means the sender started a new run: nothing is
 * counted for the jump, or a restart would look like four billion losses.
 */
public final class SequenceTracker {
    static final long REORDER_WINDOW = 1024;
    private static final long MASK = 0xFFFFFFFFL;

    private boolean started;
    private long expected;

    /** What {@link #accept} found. */
    public enum Result { IN_ORDER, GAP, LATE, RESTART }

    private long lastGap;

    /**
     * Records one received sequence number.
     *
     * @return the kind of event; for {@link Result#GAP}, {@link #lastGap()} is how many were skipped
     */
    public Result accept(long sequence) {
        long seq = sequence & MASK;
        if (!started) {
            started = true;
            expected = (seq + 1) & MASK;
            return Result.IN_ORDER;
        }
        long ahead = (seq - expected) & MASK;
        if (ahead == 0) {
            expected = (seq + 1) & MASK;
            return Result.IN_ORDER;
        }
        long behind = (expected - seq) & MASK;
        if ((seq == 0 && ahead > REORDER_WINDOW) || (behind > REORDER_WINDOW && ahead >= (1L << 31))) {
            expected = (seq + 1) & MASK;
            return Result.RESTART;
        }
        if (ahead < (1L << 31)) {
            lastGap = ahead;
            expected = (seq + 1) & MASK;
            return Result.GAP;
        }
        return Result.LATE;
    }

    public long lastGap() {
        return lastGap;
    }

    /** True once a number was seen (or restored). */
    public boolean started() {
        return started;
    }

    /** The number the next datagram should carry. */
    public long expected() {
        return expected;
    }

    /** Continues a run saved before a collector restart: the next number due is {@code expected}. */
    public void restore(long expected) {
        started = true;
        this.expected = expected & MASK;
    }
}
