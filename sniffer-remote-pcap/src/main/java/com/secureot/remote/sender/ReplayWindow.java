package com.secureot.remote.sender;

/**
 * The replay window of one sensor key: which 64-bit sequence numbers of the current forwarder
 * run (epoch) were accepted, as a sliding bitmap of the last {@link #WINDOW} numbers below the
 * highest one (RFC 4303 section 3.4.3, ring-indexed as Linux's xfrm does). Fed only with datagrams
 * whose tag verified, so a forger can neither replay nor move the sequence. Its answer also
 * says what the loss counter must do: a number ahead of the highest skips the ones between
 * (counted as gaps), a late one inside the window fills one of them.
 *
 * <p>A later epoch is a forwarder restart (its sequence starts again at 0, so the number it
 * arrives with is how many of the new run were missed); an earlier one is a replay of a past run.
 * Not thread-safe: owned by the UDP receiving thread.
 */
public final class ReplayWindow {
    public static final int WINDOW = 1024;
    private static final int WORDS = WINDOW / 64;

    /** What {@link #accept} found. */
    public enum Result {
        /** The first datagram this window sees: the start of its tracking, nothing counted. */
        FIRST,
        /** A later epoch: the forwarder restarted; {@link #lastGap()} of its run were missed. */
        NEW_RUN,
        IN_ORDER,
        /** Ahead of the highest: {@link #lastGap()} numbers were skipped. */
        GAP,
        /** Inside the window and not seen yet: fills a gap counted before. */
        LATE,
        /** Refused: inside the window and seen already. */
        DUPLICATE,
        /** Refused: below the window (too late to tell from a replay). */
        TOO_OLD,
        /** Refused: an epoch before the current one (a past run). */
        STALE_EPOCH;

        public boolean accepted() {
            return ordinal() <= LATE.ordinal();
        }
    }

    private final long[] seen = new long[WORDS];
    private boolean started;
    private long epoch;
    private long highest;
    /**
     * Restored from the state file: what arrived between the last save and the stop is unknown,
     * so every number up to the first one after the restart counts as seen (a replay of that tail
     * is refused; a genuine straggler is refused too, and stays counted as a gap).
     */
    private boolean restored;
    private long lastGap;

    /**
     * Records a datagram of an authenticated run; on a refusal nothing changes.
     *
     * @param epoch the forwarder run (rising across its restarts)
     * @param sequence the 64-bit sequence number within the run
     */
    public Result accept(long epoch, long sequence) {
        if (!started) {
            start(epoch, sequence);
            return Result.FIRST;
        }
        if (epoch != this.epoch) {
            if (epoch < this.epoch) {
                return Result.STALE_EPOCH;
            }
            start(epoch, sequence);
            lastGap = sequence;
            return Result.NEW_RUN;
        }
        if (sequence > highest) {
            long ahead = sequence - highest;
            if (restored) {
                java.util.Arrays.fill(seen, -1L);
                restored = false;
            } else if (ahead >= WINDOW) {
                java.util.Arrays.fill(seen, 0L);
            } else {
                for (long s = highest + 1; s < sequence; s++) {
                    clear(s);
                }
            }
            set(sequence);
            highest = sequence;
            lastGap = ahead - 1;
            return ahead == 1 ? Result.IN_ORDER : Result.GAP;
        }
        if (highest - sequence >= WINDOW) {
            return Result.TOO_OLD;
        }
        if (isSet(sequence)) {
            return Result.DUPLICATE;
        }
        set(sequence);
        return Result.LATE;
    }

    private void start(long epoch, long sequence) {
        started = true;
        restored = false;
        this.epoch = epoch;
        highest = sequence;
        java.util.Arrays.fill(seen, 0L);
        set(sequence);
    }

    /** Continues a run saved before a restart: everything up to {@code highest} counts as seen. */
    public void restore(long epoch, long highest) {
        started = true;
        restored = true;
        this.epoch = epoch;
        this.highest = highest;
        java.util.Arrays.fill(seen, -1L);
    }

    private void set(long s) {
        seen[(int) ((s >>> 6) & (WORDS - 1))] |= 1L << (s & 63);
    }

    private void clear(long s) {
        seen[(int) ((s >>> 6) & (WORDS - 1))] &= ~(1L << (s & 63));
    }

    private boolean isSet(long s) {
        return (seen[(int) ((s >>> 6) & (WORDS - 1))] & (1L << (s & 63))) != 0;
    }

    /** For {@link Result#GAP} and {@link Result#NEW_RUN}: how many numbers were skipped. */
    public long lastGap() {
        return lastGap;
    }

    public boolean started() {
        return started;
    }

    public long epoch() {
        return epoch;
    }

    public long highest() {
        return highest;
    }
}
