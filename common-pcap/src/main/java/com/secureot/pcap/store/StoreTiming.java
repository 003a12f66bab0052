package com.secureot.pcap.store;

/** What ends a store's hours and when its buffered records are written out. */
public enum StoreTiming {
    /**
     * Live capture (and the collector): the wall clock ends hours even when no packet comes;
     * buffered records reach their files every {@code rotation.flush_interval_ms}.
     */
    LIVE,
    /**
     * A replay at the file's pace or N times it ({@code --replay-speed}): packet time ends hours;
     * records reach their files every flush interval, as live, for a replay may last hours.
     */
    PACED_REPLAY,
    /**
     * A replay as fast as the file reads (the default of {@code --read-file}): packet time ends
     * hours; records are written when a buffer is full and when its file closes, at the latest
     * when the replay ends. Flushing every second only split writes: with one file per source
     * address, a 10 000-host replay made 5 000 extra small writes a second per writer thread
     * (3-4 % of its time, bench/ab.sh).
     */
    FAST_REPLAY;

    /** Whether the wall clock ends hours (and idle files close by it) rather than packet time alone. */
    boolean live() {
        return this == LIVE;
    }

    /** Whether buffered records are written out every {@code rotation.flush_interval_ms}. */
    boolean flushesPeriodically() {
        return this != FAST_REPLAY;
    }

    /** The timing of a daemon that captures live or replays a file at {@code speed} (0: as fast as it reads). */
    public static StoreTiming of(boolean replay, double speed) {
        if (!replay) {
            return LIVE;
        }
        return speed > 0 ? PACED_REPLAY : FAST_REPLAY;
    }
}
