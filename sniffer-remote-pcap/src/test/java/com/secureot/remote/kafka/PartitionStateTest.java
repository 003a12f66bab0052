package com.secureot.remote.kafka;

import com.secureot.remote.sequence.SequenceRanges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionStateTest {
    @TempDir
    Path dir;

    /** What the collector does with a record: the packets already held, then the record marked stored. */
    private static long accept(PartitionState s, String sensor, long epoch, long first, int count) {
        PartitionState.Run run = s.run(sensor, epoch);
        long held = run.held(first, count);
        s.stored(run, first, count);
        return held;
    }

    @Test
    void recordsAlreadyStoredAreSkippedWholeOrInPart() {
        PartitionState s = PartitionState.load(dir.resolve("t-0.state"));
        assertEquals(0, accept(s, "s1", 7, 1, 100));
        assertEquals(100, accept(s, "s1", 7, 1, 100), "the same record again");
        assertEquals(50, accept(s, "s1", 7, 51, 100), "half of it stored");
        assertEquals(0, accept(s, "s1", 7, 151, 10));
        assertEquals(0, accept(s, "s2", 7, 1, 10), "another sensor");
        assertEquals(0, accept(s, "s1", 8, 1, 10), "a new run of the sensor starts at 1 again");
        assertEquals(10, accept(s, "s1", 7, 151, 10), "the earlier run is still known");
    }

    @Test
    void aRecordResentBehindItsSuccessorIsStoredNotTakenForADuplicate() {
        // The forwarder's producer failed on 101..200 while 201..300 was accepted; 101..200 comes after.
        PartitionState s = PartitionState.load(dir.resolve("t-0.state"));
        assertEquals(0, accept(s, "s1", 7, 1, 100));
        assertEquals(0, accept(s, "s1", 7, 201, 100));
        assertEquals(0, accept(s, "s1", 7, 101, 100), "never stored: all of it is new");
        assertEquals(300, accept(s, "s1", 7, 1, 300), "once every part is in, a resend of them all is duplicates");
        assertEquals("1-300", s.run("s1", 7).toString(), "the gap closed: one range");
    }

    @Test
    void aRecordOverlappingStoredRangesInPartCountsExactlyThePacketsHeld() {
        PartitionState s = PartitionState.load(dir.resolve("t-0.state"));
        accept(s, "s1", 7, 1, 10);
        accept(s, "s1", 7, 21, 10);
        accept(s, "s1", 7, 41, 10);
        PartitionState.Run run = s.run("s1", 7);
        // 5..45 holds 5..10 (6), 21..30 (10), 41..45 (5); 11..20 and 31..40 are new.
        assertEquals(21, run.held(5, 41));
        assertTrue(run.holds(10));
        assertFalse(run.holds(11));
        assertFalse(run.holds(40));
        assertTrue(run.holds(41));
        assertEquals(21, accept(s, "s1", 7, 5, 41));
        assertEquals("1-50", run.toString());
    }

    @Test
    void theStateSurvivesARestart() throws Exception {
        Path f = dir.resolve("sub").resolve("t-3.state");
        PartitionState s = PartitionState.load(f);
        accept(s, "s1", 7, 1, 100);
        accept(s, "s1", 7, 201, 100); // 101..200 not stored yet: a gap to keep
        accept(s, "plant-2.s", -9, 1000, 5);
        s.save();
        assertTrue(Files.readString(f).startsWith(PartitionState.HEADER + "\n"));
        assertTrue(Files.readAllLines(f).contains("s1 7 1-100,201-300"), Files.readString(f));
        PartitionState again = PartitionState.load(f);
        assertEquals(100, accept(again, "s1", 7, 1, 100));
        assertEquals(0, accept(again, "s1", 7, 101, 100), "the gap is still a gap after the restart");
        assertEquals(5, accept(again, "plant-2.s", -9, 1000, 5));
        assertEquals(0, accept(again, "plant-2.s", -9, 1005, 5));
    }

    @Test
    void aVersion1FileOfThePreviousReleaseReadsAsEverythingBelowItsNextNumber() throws Exception {
        Path f = dir.resolve("t-4.state");
        Files.writeString(f, "# sniffer-remote-pcap kafka state v1: sensor_id stream_epoch next_sequence\n"
                + "s1 7 101\ns2 -3 1\n");
        PartitionState s = PartitionState.load(f);
        assertEquals(100, accept(s, "s1", 7, 1, 100));
        assertEquals(10, accept(s, "s1", 7, 91, 20), "91..100 held, 101..110 new");
        assertEquals(0, accept(s, "s2", -3, 1, 5), "next 1: nothing stored");
        s.save();
        assertTrue(Files.readAllLines(f).contains("s1 7 1-110"), "written back as v2: " + Files.readString(f));
        assertTrue(Files.readAllLines(f).contains("s2 -3 1-5"), Files.readString(f));
    }

    @Test
    void theRunForgottenIsTheLeastRecentlySeenNotTheLowest() throws Exception {
        // A spooling forwarder's stream id is random: here the current run has the lowest one.
        Path f = dir.resolve("t-2.state");
        PartitionState s = PartitionState.load(f);
        accept(s, "s1", -5, 1, 10);
        for (long epoch = 1; epoch < PartitionState.RUNS_PER_SENSOR; epoch++) {
            accept(s, "s1", epoch, 1, 1);
        }
        accept(s, "s1", -5, 11, 1);
        accept(s, "s1", 100, 1, 1); // one run too many: epoch 1 goes
        s.save();
        PartitionState again = PartitionState.load(f);
        assertEquals(11, accept(again, "s1", -5, 1, 11), "the current run is still known after a restart");
        assertEquals(0, accept(again, "s1", 1, 1, 1), "the least recently seen run was forgotten");
    }

    @Test
    void beyondTheRangeLimitTheLowestRangesAreForgottenSoNothingIsSkippedUnstored() {
        PartitionState s = PartitionState.load(dir.resolve("t-5.state"));
        PartitionState.Run run = s.run("s1", 7);
        for (int i = 0; i < SequenceRanges.MAX_RANGES; i++) {
            assertEquals(0, s.stored(run, 1 + 10L * i, 5), "range " + i);
        }
        long next = 1 + 10L * SequenceRanges.MAX_RANGES;
        assertEquals(1, s.stored(run, next, 5), "one range too many: the lowest is forgotten");
        assertEquals(0, run.held(1, 5), "forgotten: a copy of it would be stored again, not skipped");
        assertEquals(5, run.held(11, 5));
        assertEquals(5, run.held(next, 5));
        assertEquals(0, run.held(6, 5), "a gap stays a gap");
    }

    @Test
    void aDamagedLineIsIgnoredNotFatal() throws Exception {
        Path f = dir.resolve("t-1.state");
        Files.writeString(f, "# header\ns1 7 1-100\ngarbage\ns2 x 5\ns3 1 5-1\ns4 1 -7\n");
        PartitionState s = PartitionState.load(f);
        assertEquals(100, accept(s, "s1", 7, 1, 100));
        assertEquals(0, accept(s, "s2", 1, 1, 5));
        assertEquals(0, accept(s, "s3", 1, 1, 5));
        assertEquals(0, accept(s, "s4", 1, 1, 5));
    }
}
