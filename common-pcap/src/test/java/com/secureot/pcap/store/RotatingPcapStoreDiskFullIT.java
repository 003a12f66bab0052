package com.secureot.pcap.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.secureot.pcap.config.RetentionConfig;
import com.secureot.pcap.config.RotationConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.testing.FakeClock;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real full disk: a 256 KiB tmpfs (needs root to mount). */
class RotatingPcapStoreDiskFullIT {
    @TempDir
    Path work;
    private Path disk;
    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
        disk = Files.createDirectory(work.resolve("disk"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk.toString())
                .inheritIO().start();
        mounted = p.waitFor() == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
        }
    }

    /** Is {@code part} a subsequence of {@code whole}, in order? */
    private static boolean inOrder(List<Packet> part, List<Packet> whole) {
        int i = 0;
        for (Packet p : whole) {
            if (i < part.size() && part.get(i).equals(p)) {
                i++;
            }
        }
        return i == part.size();
    }

    @Test
    void aFullDiskDropsAndCountsWithOneLogLineThenResumesWhenSpaceIsBack() throws Exception {
        Path filler = disk.resolve("filler.bin");
        Files.write(filler, new byte[128 << 10]);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger storeLog = (Logger) LoggerFactory.getLogger(RotatingPcapStore.class);
        storeLog.addAppender(logs);
        CaptureMetrics metrics = new CaptureMetrics();
        FakeClock clock = new FakeClock(Instant.parse("2024-01-31T13:00:00Z"));
        RotatingPcapStore s = new RotatingPcapStore(disk, new RotationConfig(ZoneOffset.UTC, 0, 64, 86400, 1000),
                new RetentionConfig(0, 0, 60), metrics, clock, StoreTiming.PACED_REPLAY);
        List<Packet> in = new ArrayList<>();
        List<Packet> after = new ArrayList<>();
        try {
            long t = Instant.parse("2024-01-31T13:05:00Z").getEpochSecond();
            for (int i = 0; i < 2000; i++) {
                byte[] frame = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 200 + i % 100);
                Packet p = new Packet(1, t, i * 1000, frame.length, frame);
                in.add(p);
                s.write(s.series("plc"), 1, false, 65535, p.sec(), p.fraction(false), frame, 0, frame.length, frame.length);
                if (i % 50 == 49) {
                    clock.advance(Duration.ofSeconds(1));
                    s.tick();
                }
            }
            long full = metrics.dropped(DropReason.DISK_FULL);
            assertTrue(full > 1000, "dropped as disk full: " + full);
            assertEquals(2000, metrics.written.get() + full, "every packet is written or counted");
            List<ILoggingEvent> errors = logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).getFormattedMessage().contains("No space left on device"),
                    errors.get(0).getFormattedMessage());
            List<Packet> stored = TestPcaps.read(disk.resolve("plc_20240131_13.pcap")).packets();
            assertEquals(metrics.written.get(), stored.size(), "the file ends on a whole record");
            assertTrue(inOrder(stored, in));

            Files.delete(filler);
            for (int i = 0; i < 100; i++) {
                byte[] frame = TestPcaps.ipv4Frame("10.0.0.3", "10.0.0.2", 100 + i);
                Packet p = new Packet(1, t + 60, i * 1000, frame.length, frame);
                after.add(p);
                s.write(s.series("plc"), 1, false, 65535, p.sec(), p.fraction(false), frame, 0, frame.length, frame.length);
            }
            clock.advance(Duration.ofSeconds(1));
            s.tick();
            assertEquals(full, metrics.dropped(DropReason.DISK_FULL), "nothing dropped once space is back");
            assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("writing works again")));
        } finally {
            s.close();
            storeLog.detachAppender(logs);
        }
        List<Packet> stored = TestPcaps.read(disk.resolve("plc_20240131_13.pcap")).packets();
        assertEquals(metrics.written.get(), stored.size());
        assertEquals(after, stored.subList(stored.size() - after.size(), stored.size()),
                "the packets after the recovery are appended to the same, still valid file");
    }

    @Test
    void aFileLeftEmptyByAFullDiskIsDeletedAndItsNameServesTheNextFile() throws Exception {
        Path filler = disk.resolve("filler.bin");
        try (FileChannel fill = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                fill.write(ByteBuffer.allocate(4096)); // until the disk is full
            }
        } catch (IOException full) {
            // no space left: creating a file still works, writing to it does not
        }
        CaptureMetrics metrics = new CaptureMetrics();
        FakeClock clock = new FakeClock(Instant.parse("2024-01-31T13:00:00Z"));
        RotatingPcapStore s = new RotatingPcapStore(disk, new RotationConfig(ZoneOffset.UTC, 0, 4, 86400, 1000),
                new RetentionConfig(0, 0, 60), metrics, clock, StoreTiming.PACED_REPLAY);
        long t = Instant.parse("2024-01-31T13:05:00Z").getEpochSecond();
        byte[] frame = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 100);
        Packet second = new Packet(1, t + 1, 0, frame.length, frame);
        try {
            // Four files at most: the fifth closes "a", whose only packet never reached the disk
            // (or "a" could not even be created with its header: the packet is dropped at once).
            for (String prefix : List.of("a", "b", "c", "d", "e")) {
                s.write(s.series(prefix), 1, false, 65535, t, 0, frame, 0, frame.length, frame.length);
            }
            assertTrue(Files.notExists(disk.resolve("a_20240131_13.pcap")), "an empty file is not left behind");
            Files.delete(filler);
            clock.advance(Duration.ofSeconds(2)); // past the retry pause after a file could not be created
            s.write(s.series("a"), 1, false, 65535, second.sec(), second.fraction(false), frame, 0, frame.length,
                    frame.length);
        } finally {
            s.close();
        }
        assertEquals(List.of(second.micro()), TestPcaps.read(disk.resolve("a_20240131_13.pcap")).packets());
        assertTrue(Files.notExists(disk.resolve("a_20240131_13-1.pcap")), "no second part for a deleted first");
    }
}
