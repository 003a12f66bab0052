package com.secureot.remote.sender;

import org.junit.jupiter.api.Test;

import static com.secureot.remote.sender.ReplayWindow.Result.DUPLICATE;
import static com.secureot.remote.sender.ReplayWindow.Result.FIRST;
import static com.secureot.remote.sender.ReplayWindow.Result.GAP;
import static com.secureot.remote.sender.ReplayWindow.Result.IN_ORDER;
import static com.secureot.remote.sender.ReplayWindow.Result.LATE;
import static com.secureot.remote.sender.ReplayWindow.Result.NEW_RUN;
import static com.secureot.remote.sender.ReplayWindow.Result.STALE_EPOCH;
import static com.secureot.remote.sender.ReplayWindow.Result.TOO_OLD;
import static com.secureot.remote.sender.ReplayWindow.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayWindowTest {
    private static final long E = 1_764_590_000_000_000L;

    @Test
    void inOrderThenEveryRepeatIsADuplicate() {
        ReplayWindow w = new ReplayWindow();
        assertEquals(FIRST, w.accept(E, 0));
        for (long s = 1; s < 3000; s++) {
            assertEquals(IN_ORDER, w.accept(E, s));
        }
        for (long s = 3000 - WINDOW; s < 3000; s++) {
            assertEquals(DUPLICATE, w.accept(E, s), "sequence " + s);
        }
        assertEquals(2999, w.highest());
    }

    @Test
    void aJumpCountsTheSkippedNumbersAndALateOneFillsOneOfThem() {
        ReplayWindow w = new ReplayWindow();
        w.accept(E, 10);
        assertEquals(GAP, w.accept(E, 15));
        assertEquals(4, w.lastGap());
        assertEquals(LATE, w.accept(E, 12));
        assertEquals(DUPLICATE, w.accept(E, 12));
        assertEquals(LATE, w.accept(E, 11));
        assertEquals(DUPLICATE, w.accept(E, 10));
        assertEquals(DUPLICATE, w.accept(E, 15));
    }

    @Test
    void windowEdgeIsWindowMinusOneBehindTheHighest() {
        ReplayWindow w = new ReplayWindow();
        w.accept(E, 5000);
        assertEquals(GAP, w.accept(E, 5000 + 2 * WINDOW)); // far ahead: the whole window is new
        long h = 5000 + 2 * WINDOW;
        assertEquals(LATE, w.accept(E, h - (WINDOW - 1)), "the oldest number inside the window");
        assertEquals(TOO_OLD, w.accept(E, h - WINDOW), "the first number below it");
        assertEquals(TOO_OLD, w.accept(E, 5000), "seen long ago");
        // Numbers that were skipped by a jump shorter than the window are still unseen; those before it are seen.
        assertEquals(GAP, w.accept(E, h + 3));
        assertEquals(LATE, w.accept(E, h + 1));
        assertEquals(DUPLICATE, w.accept(E, h));
    }

    @Test
    void slotsReusedAfterTheWindowMovesAreCleared() {
        ReplayWindow w = new ReplayWindow();
        w.accept(E, 0);
        w.accept(E, 1);
        // Jump by less than the window; the ring slots of WINDOW+1 .. are the slots of 1 .. again.
        assertEquals(GAP, w.accept(E, WINDOW + 5));
        assertEquals(WINDOW + 3, w.lastGap());
        assertEquals(LATE, w.accept(E, WINDOW + 1), "its slot held 1, which must have been cleared");
        assertEquals(TOO_OLD, w.accept(E, 1));
    }

    @Test
    void theSequenceRunsOnAcrossTheU32Wrap() {
        ReplayWindow w = new ReplayWindow();
        long wrap = 1L << 32;
        w.accept(E, wrap - 3);
        assertEquals(IN_ORDER, w.accept(E, wrap - 2));
        assertEquals(GAP, w.accept(E, wrap + 1));
        assertEquals(2, w.lastGap());
        assertEquals(LATE, w.accept(E, wrap - 1));
        assertEquals(LATE, w.accept(E, wrap));
        assertEquals(DUPLICATE, w.accept(E, wrap - 3));
        assertEquals(IN_ORDER, w.accept(E, wrap + 2));
    }

    @Test
    void aLaterEpochIsARestartAndAnEarlierOneAReplay() {
        ReplayWindow w = new ReplayWindow();
        for (long s = 0; s < 100; s++) {
            w.accept(E, s);
        }
        assertEquals(NEW_RUN, w.accept(E + 5_000_000, 0), "the forwarder restarted: not a replay");
        assertEquals(0, w.lastGap());
        assertEquals(STALE_EPOCH, w.accept(E, 100), "the past run, even ahead of its last number");
        assertEquals(STALE_EPOCH, w.accept(E, 50));
        assertEquals(IN_ORDER, w.accept(E + 5_000_000, 1));
        assertEquals(NEW_RUN, w.accept(E + 9_000_000, 7), "a restart whose first 7 datagrams were lost");
        assertEquals(7, w.lastGap());
        assertEquals(LATE, w.accept(E + 9_000_000, 3));
        assertFalse(STALE_EPOCH.accepted());
        assertTrue(LATE.accepted());
    }

    @Test
    void aRestoredWindowCountsTheGapAndRefusesTheUnknownTailBeforeTheRestart() {
        ReplayWindow w = new ReplayWindow();
        w.restore(E, 1000);
        assertEquals(DUPLICATE, w.accept(E, 1000));
        assertEquals(DUPLICATE, w.accept(E, 1000 - WINDOW + 1));
        assertEquals(TOO_OLD, w.accept(E, 1000 - WINDOW));
        // Sent while the collector was down: 1001..1049 lost; 1050 is the first after the restart.
        assertEquals(GAP, w.accept(E, 1050));
        assertEquals(49, w.lastGap());
        // What arrived after the last save is unknown: refused rather than stored twice.
        assertEquals(DUPLICATE, w.accept(E, 1020));
        assertEquals(IN_ORDER, w.accept(E, 1051));
        assertEquals(GAP, w.accept(E, 1053));
        assertEquals(LATE, w.accept(E, 1052), "past the first datagram, the window works as usual");
        assertEquals(NEW_RUN, new ReplayWindowRestored(E).accept(E + 1, 4));
    }

    /** A window restored at sequence 0 of epoch {@code e}. */
    private static final class ReplayWindowRestored {
        private final ReplayWindow w = new ReplayWindow();

        ReplayWindowRestored(long e) {
            w.restore(e, 0);
        }

        ReplayWindow.Result accept(long e, long s) {
            return w.accept(e, s);
        }
    }
}
