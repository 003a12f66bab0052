package com.secureot.remote.sender;

import org.junit.jupiter.api.Test;

import static com.secureot.remote.sender.SequenceTracker.Result.GAP;
import static com.secureot.remote.sender.SequenceTracker.Result.IN_ORDER;
import static com.secureot.remote.sender.SequenceTracker.Result.LATE;
import static com.secureot.remote.sender.SequenceTracker.Result.RESTART;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceTrackerTest {
    @Test
    void consecutiveNumbersAreInOrder() {
        SequenceTracker t = new SequenceTracker();
        for (long s = 0; s < 5; s++) {
            assertEquals(IN_ORDER, t.accept(s));
        }
    }

    @Test
    void skippedNumbersAreCountedAsOneGap() {
        SequenceTracker t = new SequenceTracker();
        t.accept(0);
        assertEquals(GAP, t.accept(4));
        assertEquals(3, t.lastGap());
        assertEquals(IN_ORDER, t.accept(5));
    }

    @Test
    void wrapsAroundWithoutCountingALoss() {
        SequenceTracker t = new SequenceTracker();
        t.accept(0xFFFFFFFEL);
        assertEquals(IN_ORDER, t.accept(0xFFFFFFFFL));
        assertEquals(IN_ORDER, t.accept(0));
        assertEquals(IN_ORDER, t.accept(1));
    }

    @Test
    void aGapAcrossTheWrapIsCounted() {
        SequenceTracker t = new SequenceTracker();
        t.accept(0xFFFFFFFDL);
        assertEquals(GAP, t.accept(1));
        assertEquals(3, t.lastGap()); // 0xFFFFFFFE, 0xFFFFFFFF, 0
    }

    @Test
    void backToZeroIsASenderRestartNotFourBillionLosses() {
        SequenceTracker t = new SequenceTracker();
        t.accept(0);
        t.accept(70_000);
        assertEquals(RESTART, t.accept(0));
        assertEquals(IN_ORDER, t.accept(1));
    }

    @Test
    void farBehindIsARestartWhoseFirstDatagramWasLost() {
        SequenceTracker t = new SequenceTracker();
        t.accept(1_000_000);
        assertEquals(RESTART, t.accept(3));
        assertEquals(IN_ORDER, t.accept(4));
    }

    @Test
    void slightlyBehindIsALateDatagram() {
        SequenceTracker t = new SequenceTracker();
        t.accept(10);
        t.accept(12);
        assertEquals(LATE, t.accept(11));
        assertEquals(IN_ORDER, t.accept(13));
    }
}
