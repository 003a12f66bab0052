package com.secureot.forward.spool;

import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.packet.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spool on a real folder: what is appended is read back in order, survives a reopen, and is freed or dropped. */
class SpoolTest {
    private final BatchPool pool = new BatchPool(2, 1 << 20, 4096);

    /** A batch of {@code n} packets numbered from {@code from}, 200-ish bytes each. */
    private PacketBatch batch(long from, int n) {
        PacketBatch b = pool.poll();
        for (int i = 0; i < n; i++) {
            byte[] d = new byte[200 + (int) ((from + i) % 50)];
            ByteBuffer.wrap(d).putLong(from + i);
            b.add(d, 0, d.length, d.length + 10, 1, 1_700_000_000L + from + i, 123_000, false, 65535, null);
        }
        b.retainFor(1);
        return b;
    }

    /** Reads every record from the cursor: the number each payload carries. */
    private static List<Long> readAll(Cursor c, long before) throws Exception {
        List<Long> got = new ArrayList<>();
        ByteBuffer dst = ByteBuffer.allocate(1 << 20).order(ByteOrder.BIG_ENDIAN);
        while (true) {
            dst.clear();
            int n = c.fill(dst, 1000, before);
            if (n == 0) {
                return got;
            }
            if (n < 0) {
                got.add(-(c.skippedLast() - c.skippedFirst() + 1));
                continue;
            }
            int p = 0;
            for (int i = 0; i < n; i++) {
                int cap = dst.getInt(p + 12);
                assertEquals(1, dst.getShort(p + 16));
                got.add(dst.getLong(p + 20));
                p += 20 + cap;
            }
            assertEquals(dst.position(), p);
        }
    }

    @Test
    void recordsAreReadBackInOrderAfterAReopenAndATornTailIsCutOff(@TempDir Path dir) throws Exception {
        long stream;
        try (Spool s = Spool.open(dir, 64L << 20)) {
            stream = s.streamId();
            for (int i = 0; i < 10; i++) {
                PacketBatch b = batch(1 + i * 500L, 500);
                s.append(b);
                b.release();
            }
            assertEquals(5001, s.nextSequence());
            s.ackUpTo(1200);
        }
        Path seg;
        try (Stream<Path> f = Files.list(dir)) {
            seg = f.filter(p -> p.toString().endsWith(".spool")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        // A power loss in the middle of the last record's write: half of it on disk.
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        try (Spool s = Spool.open(dir, 64L << 20)) {
            assertEquals(stream, s.streamId(), "the stream id is the spool's for its whole life");
            assertEquals(5000, s.nextSequence(), "the torn last record is gone");
            assertEquals(1200, s.acked());
            assertEquals(3799, s.backlogRecords());
            try (Cursor c = s.cursor(1201)) {
                List<Long> got = readAll(c, Long.MAX_VALUE);
                assertEquals(3799, got.size());
                for (int i = 0; i < got.size(); i++) {
                    assertEquals(1201 + i, got.get(i));
                }
            }
            PacketBatch b = batch(5000, 10);
            s.append(b);
            b.release();
            try (Cursor c = s.cursor(4990)) {
                assertEquals(List.of(4990L, 4991L, 4992L, 4993L, 4994L, 4995L, 4996L, 4997L, 4998L, 4999L, 5000L,
                        5001L, 5002L, 5003L, 5004L, 5005L, 5006L, 5007L, 5008L, 5009L), readAll(c, Long.MAX_VALUE));
            }
        }
    }

    @Test
    void aFullSpoolDropsTheOldestUnacknowledgedAndTheCursorReportsTheGap(@TempDir Path dir) throws Exception {
        try (Spool s = Spool.open(dir, 16L << 20)) { // 2 MiB segments
            Cursor c = s.cursor(1);
            long dropped = 0;
            for (int i = 0; i < 200; i++) { // ~45 MiB
                PacketBatch b = batch(1 + i * 1000L, 1000);
                dropped += s.append(b);
                b.release();
            }
            assertTrue(s.sizeBytes() <= 16L << 20, "spool size " + s.sizeBytes());
            assertTrue(dropped > 100_000, "dropped " + dropped);
            assertEquals(200_000 - dropped, s.backlogRecords(), "what is left plus what was dropped is everything");
            List<Long> got = readAll(c, Long.MAX_VALUE);
            assertEquals(-dropped, got.get(0), "the cursor first reports the dropped range");
            assertEquals(dropped + 1, got.get(1));
            assertEquals(200_000, got.get(got.size() - 1));
            assertEquals(200_000 - dropped, got.size() - 1);
            c.close();
            s.ackUpTo(200_000);
            assertEquals(0, s.backlogRecords());
            try (Stream<Path> f = Files.list(dir)) {
                assertEquals(1, f.filter(p -> p.toString().endsWith(".spool")).count(), "acknowledged segments are deleted");
            }
        }
    }
}
