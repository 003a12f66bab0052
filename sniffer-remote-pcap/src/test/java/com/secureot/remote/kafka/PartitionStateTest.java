package com.secureot.remote.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PartitionStateTest {
    @TempDir
    Path dir;

    @Test
    void recordsAlreadyStoredAreSkippedWholeOrInPart() {
        PartitionState s = PartitionState.load(dir.resolve("t-0.state"));
        assertEquals(0, s.accept("s1", 7, 0, 100));
        assertEquals(100, s.accept("s1", 7, 0, 100), "the same record again");
        assertEquals(50, s.accept("s1", 7, 50, 100), "half of it stored");
        assertEquals(0, s.accept("s1", 7, 150, 10));
        assertEquals(0, s.accept("s2", 7, 0, 10), "another sensor");
        assertEquals(0, s.accept("s1", 8, 0, 10), "a new run of the sensor starts at 0 again");
        assertEquals(10, s.accept("s1", 7, 150, 10), "the earlier run is still known");
    }

    @Test
    void theStateSurvivesARestart() throws Exception {
        Path f = dir.resolve("sub").resolve("t-3.state");
        PartitionState s = PartitionState.load(f);
        s.accept("s1", 7, 0, 100);
        s.accept("plant-2.s", 9, 1000, 5);
        s.save();
        PartitionState again = PartitionState.load(f);
        assertEquals(100, again.accept("s1", 7, 0, 100));
        assertEquals(5, again.accept("plant-2.s", 9, 1000, 5));
        assertEquals(0, again.accept("plant-2.s", 9, 1005, 5));
    }

    @Test
    void theRunForgottenIsTheLeastRecentlySeenNotTheLowest() throws Exception {
        // A spooling forwarder's stream id is random: here the current run has the lowest one.
        Path f = dir.resolve("t-2.state");
        PartitionState s = PartitionState.load(f);
        s.accept("s1", -5, 1, 10);
        for (long epoch = 1; epoch < PartitionState.RUNS_PER_SENSOR; epoch++) {
            s.accept("s1", epoch, 1, 1);
        }
        s.accept("s1", -5, 11, 1);
        s.accept("s1", 100, 1, 1); // one run too many: epoch 1 goes
        s.save();
        PartitionState again = PartitionState.load(f);
        assertEquals(11, again.accept("s1", -5, 1, 11), "the current run is still known after a restart");
        assertEquals(0, again.accept("s1", 1, 1, 1), "the least recently seen run was forgotten");
    }

    @Test
    void aDamagedLineIsIgnoredNotFatal() throws Exception {
        Path f = dir.resolve("t-1.state");
        Files.writeString(f, "# header\ns1 7 100\ngarbage\ns2 x 5\n");
        PartitionState s = PartitionState.load(f);
        assertEquals(100, s.accept("s1", 7, 0, 100));
        assertEquals(0, s.accept("s2", 1, 0, 5));
    }
}
