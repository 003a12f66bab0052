package com.secureot.remote.sequence;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceRangesTest {
    @Test
    void rangesMergeWhenAGapFillsFromEitherSide() {
        SequenceRanges r = new SequenceRanges();
        r.add(201, 300);
        r.add(1, 100);
        assertEquals("1-100,201-300", r.toString());
        assertEquals(100, r.overlap(51, 250), "51..100 and 201..250");
        r.add(101, 200);
        assertEquals("1-300", r.toString());
        assertEquals(1, r.size());
    }

    @Test
    void theFormWrittenReadsBackAndBadRangesAreRefused() {
        SequenceRanges r = SequenceRanges.parse("0-9,20-29");
        assertEquals("0-9,20-29", r.toString());
        assertEquals("-", SequenceRanges.parse("-").toString());
        for (String bad : new String[] {"5-1", "-3", "7", "1-2,x-4", "3-"}) {
            assertThrows(NumberFormatException.class, () -> SequenceRanges.parse(bad), bad);
        }
    }

    @Test
    void theLowestRangeIsForgottenToMakeRoom() {
        SequenceRanges r = new SequenceRanges();
        for (int i = 0; i < SequenceRanges.MAX_RANGES; i++) {
            assertTrue(r.add(1 + 10L * i, 5 + 10L * i));
        }
        assertFalse(r.add(10_000, 10_000), "one range too many");
        r.forgetLowest();
        assertTrue(r.add(10_000, 10_000));
        assertFalse(r.contains(1));
        assertTrue(r.contains(11));
        assertEquals(SequenceRanges.MAX_RANGES, r.size());
    }
}
