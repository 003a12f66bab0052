package com.secureot.pcap.store;

/**
 * When a store closes a file because its hour is over or it went quiet. Live, the wall clock ends
 * an hour even when no packet comes, and a file whose hour ended is kept open a minute for late
 * packets; a replay only has packet time, whose hours end as soon as packet time passes them.
 */
final class HourRules {
    /** Live, a file whose hour ended is kept open this long for packets that arrive late. */
    static final long HOUR_GRACE_SECONDS = 60;
    /**
     * A replay reads packets in the order they were captured, so its hours end as soon as packet
     * time passes them (a late packet appends to the closed file again), and the store closes
     * them then, not on the next wall-clock second: that kept a replay of 10 000 hosts holding two
     * hours of files open, past the descriptor budget, where every new file waited for an old one.
     */
    static final long REPLAY_GRACE_SECONDS = 5;

    private final HourClock hours;
    private final boolean live;
    private final long idleMillis;

    HourRules(HourClock hours, boolean live, long idleCloseSeconds) {
        this.hours = hours;
        this.live = live;
        this.idleMillis = idleCloseSeconds * 1000L;
    }

    /** A replay: the packet second from which files of the hour of {@code sec} have ended. */
    long replayHourEnd(long sec) {
        return hours.hourEnd(hours.hourStart(sec)) + REPLAY_GRACE_SECONDS;
    }

    /** Whether a replay's packet at {@code sec} (newer than any before) should close ended files first. */
    boolean replayClosesAt(long sec, long nextHourEndSecond) {
        return !live && sec >= nextHourEndSecond;
    }

    /** The second against which hours end: packet time, and live the wall clock too. */
    long clockSecond(long nowMillis, long latestPacketSecond) {
        return live ? Math.max(latestPacketSecond, nowMillis / 1000) : latestPacketSecond;
    }

    /** Whether {@code f} should be closed now: its hour is over and it is quiet, or it is idle. */
    boolean closes(OpenFile f, long nowMillis, long clockSecond) {
        long grace = live ? HOUR_GRACE_SECONDS : REPLAY_GRACE_SECONDS;
        boolean ended = f.hourEnd + grace <= clockSecond;
        // A past hour's file still being written (a sensor whose clock is behind, a paced
        // replay of old traffic) stays open: closing it would only start part after part.
        boolean quiet = !live || nowMillis - f.lastWriteMillis >= HOUR_GRACE_SECONDS * 1000;
        return (ended && quiet) || nowMillis - f.lastWriteMillis >= idleMillis;
    }
}
