package com.secureot.forward;

import com.secureot.pcap.daemon.StateFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * The epoch of an authenticated SOT1 run (docs/wire-formats.md): the wall clock at the start in
 * microseconds, but never at or below the last run's, which is kept in the forwarder's output
 * folder ({@code .sot1-epoch}). The collector takes a lower epoch for a replay of a past run, so
 * a sensor that boots with its clock far behind (no RTC, before NTP) would otherwise have every
 * datagram of the run refused.
 */
final class RunEpoch {
    static final String NAME = ".sot1-epoch";
    private static final Logger log = LoggerFactory.getLogger(RunEpoch.class);

    private RunEpoch() {
    }

    /** This run's epoch, recorded for the next run; a folder that cannot be used is one WARN line. */
    static long next(Path dir, Clock clock) {
        Instant now = clock.instant();
        long epoch = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        Path file = dir.resolve(NAME);
        try {
            long last = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
            if (last >= epoch) {
                log.warn("forward.auth: the clock ({}) is not past the previous run's epoch ({} µs): using {}; "
                        + "check the host's time (NTP)", now, last, last + 1);
                epoch = last + 1;
            }
        } catch (NoSuchFileException e) {
            // first authenticated run here
        } catch (IOException | NumberFormatException e) {
            log.warn("forward.auth: {} cannot be read ({}): the epoch is the clock's", file,
                    e.getClass().getSimpleName());
        }
        try {
            Files.createDirectories(dir);
            StateFile.replace(file, (epoch + "\n").getBytes(StandardCharsets.US_ASCII), true);
        } catch (IOException e) {
            log.warn("forward.auth: cannot record the epoch in {} ({}): a restart with the clock set back would "
                    + "have its datagrams refused as a past run's", file, e.getClass().getSimpleName());
        }
        return epoch;
    }
}
