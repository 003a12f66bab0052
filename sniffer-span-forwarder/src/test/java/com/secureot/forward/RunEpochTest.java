package com.secureot.forward;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RunEpochTest {
    private static Clock at(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    @Test
    void theEpochIsTheStartTimeInMicrosecondsAndIsRecorded(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("not-yet-created");
        assertEquals(1_764_590_000_123_456L, RunEpoch.next(out, at("2025-12-01T11:53:20.123456789Z")));
        assertEquals("1764590000123456\n", Files.readString(out.resolve(RunEpoch.NAME)));
        assertFalse(Files.exists(out.resolve(RunEpoch.NAME + ".tmp")));
        assertEquals(1_764_590_060_000_000L, RunEpoch.next(out, at("2025-12-01T11:54:20Z")));
    }

    @Test
    void aClockBehindThePreviousRunStillGivesAHigherEpoch(@TempDir Path dir) {
        RunEpoch.next(dir, at("2025-12-01T11:53:20Z"));
        // Booted without a real-time clock: 1970 until NTP answers.
        assertEquals(1_764_590_000_000_001L, RunEpoch.next(dir, at("1970-01-01T00:00:05Z")));
        assertEquals(1_764_590_000_000_002L, RunEpoch.next(dir, at("1970-01-01T00:00:05Z")));
    }

    @Test
    void anUnreadableRecordFallsBackToTheClock(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(RunEpoch.NAME), "garbage");
        assertEquals(5_000_000L, RunEpoch.next(dir, at("1970-01-01T00:00:05Z")));
    }
}
