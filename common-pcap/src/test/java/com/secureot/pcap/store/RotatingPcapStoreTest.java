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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotatingPcapStoreTest {
    private static final RetentionConfig NO_RETENTION = new RetentionConfig(0, 0, 60);
    /** A file's global header, written when the file is created. */
    private static final long HEADER = 24;
    @TempDir
    Path dir;
    private final CaptureMetrics metrics = new CaptureMetrics();
    private final FakeClock clock = new FakeClock(Instant.parse("2024-01-31T13:00:00Z"));
    private final List<RotatingPcapStore> stores = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger storeLog = (Logger) LoggerFactory.getLogger(RotatingPcapStore.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        storeLog.addAppender(logs);
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RotatingPcapStore::close);
        storeLog.detachAppender(logs);
    }

    private RotatingPcapStore store(ZoneId zone, long maxFileBytes, int maxOpen, RetentionConfig retention,
                                    StoreTiming timing) {
        RotatingPcapStore s = new RotatingPcapStore(dir, new RotationConfig(zone, maxFileBytes, maxOpen, 86400, 1000),
                retention, metrics, clock, timing);
        stores.add(s);
        return s;
    }

    private RotatingPcapStore utcStore() {
        return store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
    }

    private static void write(RotatingPcapStore s, String prefix, Packet p, boolean nano) {
        s.write(s.series(prefix), p.linkType(), nano, 65535, p.sec(), p.fraction(nano), p.data(), 0, p.data().length,
                p.origLen());
    }

    private static Packet at(String instant, int n) {
        Instant t = Instant.parse(instant);
        return new Packet(1, t.getEpochSecond(), t.getNano(), 1000 + n,
                TestPcaps.ipv4Frame("10.0.0." + (n % 250), "10.0.1.1", 40 + n % 300));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> l = Files.list(dir)) {
            return l.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<Packet> packets(String file) throws IOException {
        return TestPcaps.read(dir.resolve(file)).packets();
    }

    @Test
    void namesFilesByTheHourOfThePacketTimestampInUtc() throws IOException {
        RotatingPcapStore s = utcStore();
        Packet last = at("2024-01-31T13:59:59.999999999Z", 1);
        Packet next = at("2024-01-31T14:00:00Z", 2);
        Packet late = at("2024-01-31T13:59:30.5Z", 3);
        write(s, "plc", last, true);
        write(s, "plc", next, true);
        write(s, "plc", late, true);
        s.close();
        assertEquals(List.of("plc_20240131_13.pcap", "plc_20240131_14.pcap"), files());
        assertEquals(List.of(last, late), packets("plc_20240131_13.pcap"), "a late packet goes to its own hour");
        assertEquals(List.of(next), packets("plc_20240131_14.pcap"));
        TestPcaps.PcapFile f = TestPcaps.read(dir.resolve("plc_20240131_14.pcap"));
        assertTrue(f.nano());
        assertEquals(65535, f.snaplen());
        assertEquals(1, f.linkType());
    }

    @Test
    void keepsTheLinkTypeAndPrecisionOfEachPacketInSeparateFiles() throws IOException {
        RotatingPcapStore s = utcStore();
        Packet eth = at("2024-01-31T13:10:00.123456789Z", 1);
        byte[] ip = TestPcaps.ipv4("10.0.0.1", "10.0.0.2", new byte[20]);
        Packet raw = new Packet(101, eth.sec(), 5000, ip.length, ip);
        write(s, "x", eth, true);
        write(s, "x", raw, false);
        s.close();
        assertEquals(List.of("x_20240131_13-1.pcap", "x_20240131_13.pcap"), files());
        assertEquals(List.of(eth), packets("x_20240131_13.pcap"));
        TestPcaps.PcapFile rawFile = TestPcaps.read(dir.resolve("x_20240131_13-1.pcap"));
        assertEquals(101, rawFile.linkType());
        assertFalse(rawFile.nano());
        assertEquals(List.of(raw), rawFile.packets());
    }

    @Test
    void namesFilesByTheLocalHourOfTheConfiguredZone() throws IOException {
        RotatingPcapStore s = store(ZoneId.of("Europe/Paris"), 0, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
        write(s, "w", at("2024-01-31T13:30:00Z", 1), false); // 14:30 CET
        write(s, "w", at("2024-07-01T22:30:00Z", 2), false); // 00:30 CEST, next day
        s.close();
        assertEquals(List.of("w_20240131_14.pcap", "w_20240702_00.pcap"), files());
    }

    @Test
    void theRepeatedHourOfAutumnDstGetsItsOwnPart() throws IOException {
        RotatingPcapStore s = store(ZoneId.of("Europe/Paris"), 0, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
        Packet cest = at("2024-10-27T00:30:00Z", 1); // 02:30 CEST
        Packet cet = at("2024-10-27T01:30:00Z", 2); // 02:30 CET, one hour later
        Packet after = at("2024-10-27T02:00:00Z", 3); // 03:00 CET
        write(s, "d", cest, false);
        write(s, "d", cet, false);
        write(s, "d", after, false);
        s.close();
        assertEquals(List.of("d_20241027_02-1.pcap", "d_20241027_02.pcap", "d_20241027_03.pcap"), files());
        assertEquals(List.of(cest), packets("d_20241027_02.pcap"));
        assertEquals(List.of(cet), packets("d_20241027_02-1.pcap"));
    }

    @Test
    void theSkippedHourOfSpringDstDoesNotExist() throws IOException {
        RotatingPcapStore s = store(ZoneId.of("Europe/Paris"), 0, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
        write(s, "d", at("2024-03-31T00:59:59Z", 1), false); // 01:59:59 CET
        write(s, "d", at("2024-03-31T01:00:00Z", 2), false); // 03:00 CEST
        s.close();
        assertEquals(List.of("d_20240331_01.pcap", "d_20240331_03.pcap"), files());
    }

    @Test
    void anExistingFileIsNeverTruncatedAndARestartWritesTheNextPart() throws IOException {
        byte[] foreign = capture(1000);
        Files.write(dir.resolve("plc_20240131_13.pcap"), foreign);
        RotatingPcapStore first = utcStore();
        Packet a = at("2024-01-31T13:05:00Z", 1);
        write(first, "plc", a, true);
        first.close();
        RotatingPcapStore second = utcStore();
        Packet b = at("2024-01-31T13:06:00Z", 2);
        write(second, "plc", b, true);
        second.close();
        assertEquals(List.of("plc_20240131_13-1.pcap", "plc_20240131_13-2.pcap", "plc_20240131_13.pcap"), files());
        assertArrayEquals(foreign, Files.readAllBytes(dir.resolve("plc_20240131_13.pcap")));
        assertEquals(List.of(a), packets("plc_20240131_13-1.pcap"));
        assertEquals(List.of(b), packets("plc_20240131_13-2.pcap"));
    }

    @Test
    void rotatesBySizeIntoPartsThatEachHoldWholeRecords() throws IOException {
        RotatingPcapStore s = store(ZoneOffset.UTC, 4000, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
        List<Packet> in = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            in.add(at("2024-01-31T13:00:00Z", i).withSecond(1_706_706_000L + i));
            write(s, "big", in.get(i), true);
        }
        s.close();
        List<String> names = files();
        assertTrue(names.size() >= 3, names.toString());
        List<Packet> out = new ArrayList<>();
        for (int part = 0; part < names.size(); part++) {
            String name = part == 0 ? "big_20240131_13.pcap" : "big_20240131_13-" + part + ".pcap";
            assertTrue(Files.size(dir.resolve(name)) <= 4000, name);
            out.addAll(packets(name));
        }
        assertEquals(in, out);
    }

    @Test
    void boundsOpenFilesAndAppendsToFilesItClosedEarlier() throws IOException {
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 4, NO_RETENTION, StoreTiming.PACED_REPLAY);
        List<List<Packet>> perHost = new ArrayList<>();
        for (int h = 0; h < 10; h++) {
            perHost.add(new ArrayList<>());
        }
        for (int i = 0; i < 300; i++) {
            int h = (i * 7) % 10;
            Packet p = at("2024-01-31T13:00:00Z", i).withSecond(1_706_706_000L + i);
            perHost.get(h).add(p);
            write(s, "host" + h, p, true);
            assertTrue(s.openFiles() <= 4, "open files: " + s.openFiles());
        }
        s.close();
        assertEquals(10, files().size(), files().toString());
        for (int h = 0; h < 10; h++) {
            assertEquals(perHost.get(h), packets("host" + h + "_20240131_13.pcap"), "host" + h);
        }
        assertEquals(300, metrics.written.get());
    }

    @Test
    void atTheBoundTheLeastRecentlyWrittenFileIsClosedNotTheFirstOpened() throws IOException {
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 4, NO_RETENTION, StoreTiming.PACED_REPLAY);
        for (String h : List.of("a", "b", "c", "d", "a")) {
            write(s, h, at("2024-01-31T13:00:00Z", 1), false);
        }
        write(s, "e", at("2024-01-31T13:00:00Z", 1), false);
        assertEquals(4, s.openFiles());
        // A closed file's records are written out; an open one's wait in its buffer (no flush period passed).
        assertTrue(Files.size(dir.resolve("b_20240131_13.pcap")) > 0, "b, written longest ago, was closed");
        assertEquals(HEADER, Files.size(dir.resolve("a_20240131_13.pcap")), "a, opened first but written again, stays open");
        assertEquals(HEADER, Files.size(dir.resolve("c_20240131_13.pcap")));
    }

    @Test
    void liveClosesAFileWithinAMinuteOfTheEndOfItsHourWithoutFurtherPackets() throws IOException {
        clock.set(Instant.parse("2024-01-31T13:59:00Z"));
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.LIVE);
        Packet p = at("2024-01-31T13:58:59.5Z", 1);
        write(s, "plc", p, false);
        assertEquals(HEADER, Files.size(dir.resolve("plc_20240131_13.pcap")), "buffered until the flush period");
        clock.advance(Duration.ofMillis(1000));
        s.tick();
        assertEquals(List.of(p.micro()), packets("plc_20240131_13.pcap"), "flushed within a second");
        assertEquals(1, s.openFiles());
        clock.set(Instant.parse("2024-01-31T14:00:59Z"));
        s.tick();
        assertEquals(1, s.openFiles(), "kept open for late packets");
        clock.set(Instant.parse("2024-01-31T14:01:00Z"));
        s.tick();
        assertEquals(0, s.openFiles());
        assertEquals(1, metrics.written.get());
    }

    @Test
    void aFastReplayWritesRecordsWhenTheirFileClosesRatherThanEveryFlushPeriod() throws IOException {
        RotatingPcapStore paced = store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.PACED_REPLAY);
        RotatingPcapStore fast = store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.FAST_REPLAY);
        Packet p = at("2024-01-31T13:10:00Z", 1);
        write(paced, "paced", p, false);
        write(fast, "fast", p, false);
        clock.advance(Duration.ofMillis(1000));
        paced.tick();
        fast.tick();
        assertEquals(List.of(p.micro()), packets("paced_20240131_13.pcap"), "paced: flushed within a second");
        assertEquals(HEADER, Files.size(dir.resolve("fast_20240131_13.pcap")), "fast: still buffered");
        fast.close();
        assertEquals(List.of(p.micro()), packets("fast_20240131_13.pcap"), "fast: written when the file closes");
    }

    @Test
    void liveKeepsOneFileForAPastHourThatIsStillBeingWritten() throws IOException {
        // A sensor whose clock is a day behind sends for three minutes: one file, not a part a second.
        clock.set(Instant.parse("2024-01-31T13:00:00Z"));
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.LIVE);
        List<Packet> sent = new ArrayList<>();
        for (int i = 0; i < 180; i++) {
            Packet p = at("2024-01-30T09:00:00Z", i);
            p = new Packet(p.linkType(), p.sec() + i, 0, p.origLen(), p.data());
            write(s, "late", p, false);
            sent.add(p.micro());
            clock.advance(Duration.ofSeconds(1));
            s.tick();
        }
        assertEquals(List.of("late_20240130_09.pcap"), files());
        // Then it goes quiet: closed within a minute; a straggler later is appended, not a new part.
        clock.advance(Duration.ofSeconds(61));
        s.tick();
        assertEquals(0, s.openFiles());
        byte[] frame = TestPcaps.ipv4Frame("10.0.0.1", "10.0.1.1", 60);
        Packet straggler = new Packet(1, Instant.parse("2024-01-30T09:59:00Z").getEpochSecond(), 0, frame.length,
                frame);
        write(s, "late", straggler, false);
        sent.add(straggler.micro());
        s.close();
        assertEquals(List.of("late_20240130_09.pcap"), files());
        assertEquals(sent, packets("late_20240130_09.pcap"));
    }

    @Test
    void aReplayClosesAnHourAsSoonAsPacketTimeIsPastItAndAppendsALatePacket() throws IOException {
        RotatingPcapStore s = utcStore();
        write(s, "r", at("2024-01-31T13:10:00Z", 1), false);
        write(s, "r", at("2024-01-31T14:00:02Z", 2), false);
        assertEquals(2, s.openFiles());
        // No tick, no wall-clock time: packet time alone ends the hour, a few seconds after it.
        write(s, "r", at("2024-01-31T14:00:06Z", 3), false);
        assertEquals(1, s.openFiles());
        assertEquals(1, packets("r_20240131_13.pcap").size());
        write(s, "r", at("2024-01-31T13:59:59Z", 4), false);
        s.close();
        assertEquals(List.of("r_20240131_13.pcap", "r_20240131_14.pcap"), files());
        assertEquals(2, packets("r_20240131_13.pcap").size());
    }

    @Test
    void aWriteErrorIsCountedOnceLoggedAndWritingResumes() throws IOException {
        Path out = dir.resolve("out");
        Files.createDirectory(out);
        RotatingPcapStore s = new RotatingPcapStore(out, new RotationConfig(ZoneOffset.UTC, 0, 64, 86400, 1000),
                NO_RETENTION, metrics, clock, StoreTiming.PACED_REPLAY);
        stores.add(s);
        write(s, "plc", at("2024-01-31T13:10:00Z", 1), false);
        s.flushAll();
        // The folder disappears and a regular file takes its name: every new file fails.
        Files.delete(out.resolve("plc_20240131_13.pcap"));
        Files.delete(out);
        Files.write(out, new byte[] {1});
        for (int i = 0; i < 50; i++) {
            write(s, "plc", at("2024-01-31T14:10:00Z", 100 + i), false);
            write(s, "other", at("2024-01-31T14:10:00Z", 200 + i), false);
            if (i % 10 == 0) {
                clock.advance(Duration.ofMillis(1500));
                s.tick();
            }
        }
        assertEquals(100, metrics.dropped(DropReason.WRITE_ERROR));
        List<ILoggingEvent> errors = logs.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).getFormattedMessage().contains("cannot create a file for plc_20240131_14"),
                errors.get(0).getFormattedMessage());

        Files.delete(out);
        Files.createDirectory(out);
        clock.advance(Duration.ofMillis(1500));
        Packet back = at("2024-01-31T14:20:00Z", 300);
        write(s, "plc", back, false);
        s.close();
        assertEquals(List.of(back.micro()), TestPcaps.read(out.resolve("plc_20240131_14.pcap")).packets());
        assertEquals(100, metrics.dropped(DropReason.WRITE_ERROR));
        assertTrue(logs.list.stream().anyMatch(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().contains("writing works again")), logs.list.toString());
    }

    @Test
    void retentionDeletesTheOldestClosedFilesFirstAndNeverAnOpenOne() throws IOException {
        clock.set(Instant.now());
        long now = clock.millis();
        for (int h = 0; h < 3; h++) {
            Path p = dir.resolve("old_20240101_0" + h + ".pcap");
            Files.write(p, capture(1000));
            Files.setLastModifiedTime(p, FileTime.fromMillis(now - (10 - h) * 3_600_000L));
        }
        Files.write(dir.resolve("notes.txt"), new byte[5000]);
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 64, new RetentionConfig(2500, 0, 1), StoreTiming.LIVE);
        Packet p = new Packet(1, now / 1000, 0, 60, TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 26));
        write(s, "live", p, false);
        clock.advance(Duration.ofSeconds(2));
        s.tick();
        String open = files().stream().filter(n -> n.startsWith("live_")).findFirst().orElseThrow();
        assertEquals(List.of(open, "notes.txt", "old_20240101_01.pcap", "old_20240101_02.pcap"), files());
        assertEquals(1, metrics.filesDeleted.get());

        s.close();
        RotatingPcapStore tiny = store(ZoneOffset.UTC, 0, 64, new RetentionConfig(1, 0, 1), StoreTiming.LIVE);
        write(tiny, "live2", p, false);
        clock.advance(Duration.ofSeconds(2));
        tiny.tick();
        assertEquals(List.of("live2" + open.substring(4), "notes.txt"), files(),
                "only the file being written remains");
    }

    @Test
    void retentionByAgeDeletesClosedFilesOlderThanTheLimit() throws IOException {
        clock.set(Instant.now());
        long now = clock.millis();
        Path old = dir.resolve("a_20240101_00.pcap");
        Path young = dir.resolve("a_20240101_01-3.pcap");
        Files.write(old, capture(100));
        Files.write(young, capture(100));
        Files.setLastModifiedTime(old, FileTime.fromMillis(now - 3 * 3_600_000L));
        Files.setLastModifiedTime(young, FileTime.fromMillis(now - 3_000_000L));
        RotatingPcapStore s = store(ZoneOffset.UTC, 0, 64, new RetentionConfig(0, 7200, 1), StoreTiming.LIVE);
        clock.advance(Duration.ofSeconds(2));
        s.tick();
        assertEquals(List.of("a_20240101_01-3.pcap"), files());
    }

    /** A whole capture of {@code bytes} bytes (one record), as another writer or an earlier run left it. */
    private static byte[] capture(int bytes) {
        byte[] frame = new byte[bytes - 40];
        return TestPcaps.pcap(List.of(new Packet(1, 1_706_706_000L, 0, frame.length, frame)), false,
                java.nio.ByteOrder.LITTLE_ENDIAN, 1, 65535);
    }

    @Test
    void atStartAFileCutInsideARecordIsCutBackToItsLastWholeRecordAndCounted() throws IOException {
        List<Packet> in = TestPcaps.mixedTraffic(1_706_706_000L, 20, 7);
        byte[] whole = TestPcaps.pcap(in, false, java.nio.ByteOrder.LITTLE_ENDIAN, 1, 65535);
        Path torn = dir.resolve("plc_20240131_13.pcap");
        Files.write(torn, java.util.Arrays.copyOf(whole, whole.length - 5)); // the last record lacks 5 bytes
        Path cutInHeader = dir.resolve("hmi_20240131_13.pcap");
        int lastRecord = whole.length - 16 - in.get(in.size() - 1).data().length;
        Files.write(cutInHeader, java.util.Arrays.copyOf(whole, lastRecord + 9)); // 9 of the 16 header bytes
        Path intact = dir.resolve("rtu_20240131_13.pcap");
        Files.write(intact, whole);
        ListAppender<ILoggingEvent> repairs = repairLog();

        utcStore().close();

        assertEquals(in.subList(0, in.size() - 1).stream().map(Packet::micro).toList(), TestPcaps.read(torn).packets());
        assertEquals(lastRecord, Files.size(torn));
        assertEquals(lastRecord, Files.size(cutInHeader));
        assertArrayEquals(whole, Files.readAllBytes(intact), "a whole file is not touched");
        assertEquals(2, metrics.filesRepaired.get());
        assertEquals(2, repairs.list.size(), repairs.list.toString());
        assertTrue(repairs.list.stream().allMatch(e -> e.getFormattedMessage().contains("cut back from")));
    }

    @Test
    void atStartAFileWithoutAHeaderIsMovedAsideAndAnEmptyOneRemoved() throws IOException {
        Files.write(dir.resolve("plc_20240131_13.pcap"), new byte[0]);
        byte[] garbage = "not a capture at all, but bytes of someone".getBytes();
        Files.write(dir.resolve("hmi_20240131_13-2.pcap"), garbage);
        ListAppender<ILoggingEvent> repairs = repairLog();

        RotatingPcapStore s = utcStore();
        write(s, "hmi", at("2024-01-31T13:05:00Z", 1), false);
        s.close();

        assertEquals(List.of("hmi_20240131_13-2.pcap.damaged", "hmi_20240131_13.pcap"), files());
        assertArrayEquals(garbage, Files.readAllBytes(dir.resolve("hmi_20240131_13-2.pcap.damaged")));
        assertEquals(2, metrics.filesRepaired.get());
        assertEquals(2, repairs.list.size(), repairs.list.toString());
    }

    @Test
    void aNewFileHasItsHeaderBeforeAnyRecordIsFlushed() throws Exception {
        RotatingPcapStore fast = store(ZoneOffset.UTC, 0, 64, NO_RETENTION, StoreTiming.FAST_REPLAY);
        write(fast, "fast", at("2024-01-31T13:05:00Z", 1), false);
        fast.tick(); // a fast replay flushes only when a file closes: the record stays buffered
        // The header is written by the thread that creates the file, as soon as it exists.
        Path f = dir.resolve("fast_20240131_13.pcap");
        long end = System.nanoTime() + 10_000_000_000L;
        while ((!Files.exists(f) || Files.size(f) < HEADER) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        // Were the process killed now, the file would be a valid capture (of no packet yet).
        assertEquals(HEADER, Files.size(f));
        assertEquals(List.of(), TestPcaps.read(f).packets());
    }

    private ListAppender<ILoggingEvent> repairLog() {
        ListAppender<ILoggingEvent> a = new ListAppender<>();
        a.start();
        ((Logger) LoggerFactory.getLogger(TornFileRepair.class)).addAppender(a);
        return a;
    }

    @Test
    void aRecordLargerThanItsSourcesSnaplenGoesToAFileWhoseHeaderCoversIt() throws IOException {
        RotatingPcapStore s = utcStore();
        long t = java.time.Instant.parse("2024-01-31T13:05:00Z").getEpochSecond();
        byte[] small = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 40);
        byte[] big = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 300);
        OutputSeries plc = s.series("plc");
        s.write(plc, 1, false, 200, t, 0, small, 0, small.length, small.length);
        s.write(plc, 1, false, 200, t + 1, 0, big, 0, big.length, big.length); // over the stream's snaplen 200
        s.write(plc, 1, false, 200, t + 2, 0, small, 0, small.length, small.length);
        s.close();
        TestPcaps.PcapFile first = TestPcaps.read(dir.resolve("plc_20240131_13.pcap"));
        TestPcaps.PcapFile second = TestPcaps.read(dir.resolve("plc_20240131_13-1.pcap"));
        assertEquals(200, first.snaplen());
        assertEquals(1, first.packets().size());
        assertTrue(second.snaplen() >= big.length, "snaplen " + second.snaplen() + " covers " + big.length);
        assertEquals(2, second.packets().size());
        assertEquals(3, metrics.written.get());
    }
}
