package com.secureot.forward.spool;

import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.packet.Timestamps;
import com.secureot.pcap.wire.Sot2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A log of sequenced packet records in segment files ({@code seg-<first sequence>.spool}). One
 * thread appends ({@link #append}); any thread reads through a {@link Cursor} and acknowledges
 * ({@link #ackUpTo}). A record is in the spool once {@code append} returned: its bytes were
 * written to the OS, so a killed forwarder loses none of them. Segments are deleted once every
 * record in them is acknowledged; when the spool is over its size, the oldest segment goes even
 * if unacknowledged, and {@link #append} reports how many records that dropped.
 *
 * <pre>
 * segment header (24 bytes): "SOTS" u32, version u32 = 1, stream id u64, first sequence u64
 * entry: length u32 (of what follows the crc), crc32c u32 (of what follows it),
 *        sequence u64, snaplen u32, ts_ns u64, orig_len u32, cap_len u32, link_type u16,
 *        flags u16, data[cap_len]
 * </pre>
 * The entry from {@code ts_ns} on is a SOT2 record as sent (docs/wire-formats.md), so a sender
 * copies it without decoding it. Opening scans the newest segment and cuts it after its last
 * whole entry (a power loss may leave a torn one); every entry is checked again when read.
 */
public final class Spool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    static final int MAGIC = 0x534F5453;
    static final int VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 24;
    /** length, crc, sequence, snaplen: the part before the SOT2 record. */
    static final int ENTRY_PREFIX_BYTES = 20;
    /** The SOT2 record header inside an entry. */
    static final int RECORD_HEADER_BYTES = 20;
    static final int ENTRY_HEADER_BYTES = ENTRY_PREFIX_BYTES + RECORD_HEADER_BYTES;
    private static final long MAX_SEGMENT_BYTES = 64L << 20;
    private static final int WRITE_BUFFER_BYTES = 1 << 20;

    /** One segment file: its first sequence, and how far it is written. */
    static final class Segment {
        final Path path;
        final long first;
        /** The last sequence in it (first - 1 while empty), and its size: readers stop there. */
        volatile long last;
        volatile long end;
        /** The data bytes of its records (for the backlog gauge). */
        volatile long dataBytes;
        /** Capture time of its first record (ns since the epoch), -1 while empty. */
        volatile long firstTsNanos = -1;

        Segment(Path path, long first, long last, long end) {
            this.path = path;
            this.first = first;
            this.last = last;
            this.end = end;
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final long streamId;
    private final List<Segment> segments = new ArrayList<>();
    private final ByteBuffer out = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN);
    private final CRC32C crc = new CRC32C();
    /** A second view of {@code out} for the checksum, so that no buffer is made per packet. */
    private final ByteBuffer crcView = out.duplicate();
    private final FileChannel ackFile;
    private FileChannel active;
    private long activeSize;
    private long nextSequence;
    private volatile long acked;
    private long totalBytes;
    private boolean closed;

    private Spool(Path dir, long maxBytes, long streamId, FileChannel ackFile) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(1 << 20, Math.min(MAX_SEGMENT_BYTES, maxBytes / 8));
        this.streamId = streamId;
        this.ackFile = ackFile;
    }

    /**
     * Opens the spool in {@code dir} (created if missing), recovering what an earlier run left;
     * a new spool gets a random stream id. The message of the exception names the directory.
     */
    public static Spool open(Path dir, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "seg-*.spool")) {
            ds.forEach(files::add);
        }
        files.sort(null); // names carry the first sequence in 20 digits: name order is sequence order
        FileChannel ackFile = FileChannel.open(dir.resolve("acked"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        long stream = 0;
        Spool s = null;
        for (Path p : files) {
            long[] h = readHeader(p);
            if (h == null) {
                log.warn("spool: {} is not a spool segment (bad header); moved aside", p);
                Files.move(p, p.resolveSibling(p.getFileName() + ".bad"));
                continue;
            }
            if (s == null) {
                stream = h[0];
                s = new Spool(dir, maxBytes, stream, ackFile);
            } else if (h[0] != stream) {
                log.warn("spool: {} belongs to another stream; moved aside", p);
                Files.move(p, p.resolveSibling(p.getFileName() + ".bad"));
                continue;
            }
            long size = Files.size(p);
            s.segments.add(new Segment(p, h[1], h[1] - 1, size));
            s.totalBytes += size;
        }
        if (s == null) {
            long id;
            do {
                id = new SecureRandom().nextLong();
            } while (id == 0);
            s = new Spool(dir, maxBytes, id, ackFile);
            s.nextSequence = 1;
            s.acked = 0;
            s.startSegment();
            s.storeAcked(0);
            return s;
        }
        s.recover();
        return s;
    }

    private static long[] readHeader(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
            while (h.hasRemaining() && ch.read(h) > 0) {
                // read the whole header
            }
            if (h.hasRemaining() || h.getInt(0) != MAGIC || h.getInt(4) != VERSION) {
                return null;
            }
            return new long[] {h.getLong(8), h.getLong(16)};
        }
    }

    /** Sets each segment's last sequence; scans the newest and cuts it after its last whole entry. */
    private void recover() throws IOException {
        for (int i = 0; i < segments.size() - 1; i++) {
            segments.get(i).last = segments.get(i + 1).first - 1;
        }
        Segment newest = segments.get(segments.size() - 1);
        long[] scan = new long[3];
        long good = scanEntries(newest, scan);
        newest.last = scan[0] < 0 ? newest.first - 1 : scan[0];
        newest.dataBytes = scan[1];
        if (good < newest.end) {
            log.warn("spool: {} ends in a cut record (a crash or power loss while it was written); cut back from {} "
                    + "to {} bytes", newest.path, newest.end, good);
            try (FileChannel ch = FileChannel.open(newest.path, StandardOpenOption.WRITE)) {
                ch.truncate(good);
            }
            totalBytes -= newest.end - good;
            newest.end = good;
        }
        for (Segment g : segments) {
            g.firstTsNanos = firstTimestamp(g);
            if (g != newest) {
                // Not scanned (a whole spool would be read at start): estimated from the size.
                g.dataBytes = Math.max(0, g.end - SEGMENT_HEADER_BYTES - (g.last - g.first + 1) * ENTRY_HEADER_BYTES);
            }
        }
        nextSequence = newest.last + 1;
        active = FileChannel.open(newest.path, StandardOpenOption.WRITE);
        active.position(newest.end);
        activeSize = newest.end;
        long a = loadAcked();
        acked = Math.max(segments.get(0).first - 1, Math.min(a, nextSequence - 1));
        freeAcked();
    }

    /** Scans a segment's entries; returns where the last whole one ends; scan = {last sequence or -1, data bytes}. */
    private long scanEntries(Segment g, long[] scan) throws IOException {
        scan[0] = -1;
        scan[1] = 0;
        try (Cursor c = new Cursor(this, g.first, false)) {
            long pos = SEGMENT_HEADER_BYTES;
            long expected = g.first;
            ByteBuffer e = ByteBuffer.allocate(ENTRY_HEADER_BYTES + 262144 + 64).order(ByteOrder.BIG_ENDIAN);
            try (FileChannel ch = FileChannel.open(g.path, StandardOpenOption.READ)) {
                while (true) {
                    int len = c.readEntry(ch, pos, g.end, e);
                    if (len < 0) {
                        return pos;
                    }
                    long seq = e.getLong(8);
                    if (seq != expected) {
                        return pos;
                    }
                    scan[0] = seq;
                    scan[1] += e.getInt(32);
                    expected++;
                    pos += len;
                }
            }
        }
    }

    private static long firstTimestamp(Segment g) throws IOException {
        if (g.end < SEGMENT_HEADER_BYTES + ENTRY_HEADER_BYTES) {
            return -1;
        }
        try (FileChannel ch = FileChannel.open(g.path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(RECORD_HEADER_BYTES);
            ch.read(b, SEGMENT_HEADER_BYTES + ENTRY_PREFIX_BYTES);
            if (b.position() < RECORD_HEADER_BYTES) {
                return -1;
            }
            int flags = b.getShort(18) & 0xFFFF;
            long ts = b.getLong(0);
            return Timestamps.epochNanos(Sot2.recordSeconds(ts, flags), Sot2.recordFraction(ts, flags),
                    (flags & Sot2.RECORD_NANO) != 0);
        }
    }

    private long loadAcked() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        ackFile.read(b, 0);
        if (b.position() < 16 || b.getLong(8) != ~b.getLong(0)) {
            return 0; // none or torn: the collector's welcome says where it stands anyway
        }
        return b.getLong(0);
    }

    private void storeAcked(long seq) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(0, seq).putLong(8, ~seq);
        try {
            ackFile.write(b, 0);
        } catch (IOException e) {
            log.debug("spool: cannot note the acknowledged sequence: {}", e.getMessage());
        }
    }

    public long streamId() {
        return streamId;
    }

    /** The sequence the next appended record gets. */
    public synchronized long nextSequence() {
        return nextSequence;
    }

    /** Every record up to this one was acknowledged (or dropped). */
    public long acked() {
        return acked;
    }

    /** The oldest record still in the spool. */
    public synchronized long firstSequence() {
        return segments.get(0).first;
    }

    /** Records appended and not acknowledged. */
    public synchronized long backlogRecords() {
        return nextSequence - 1 - Math.max(acked, segments.get(0).first - 1);
    }

    /** Data bytes of the segments holding unacknowledged records (whole segments: an upper bound). */
    public synchronized long backlogBytes() {
        long b = 0;
        for (Segment g : segments) {
            if (g.last > acked) {
                b += g.dataBytes;
            }
        }
        return b;
    }

    /** Capture time (ns) of the first record of the segment holding the oldest unacknowledged one; -1: none. */
    public synchronized long oldestUnackedNanos() {
        for (Segment g : segments) {
            if (g.last > acked) {
                return g.firstTsNanos;
            }
        }
        return -1;
    }

    /** Bytes on disk. */
    public synchronized long sizeBytes() {
        return totalBytes;
    }

    /**
     * Appends every packet of the batch, written to the OS before it returns; returns how many
     * unacknowledged records were dropped to make room (the oldest first). Appending thread only.
     */
    public long append(PacketBatch b) throws IOException {
        long dropped = 0;
        long seq;
        synchronized (this) {
            seq = nextSequence;
        }
        long firstOfWrite = seq;
        long dataOfWrite = 0;
        out.clear();
        for (int i = 0; i < b.count; i++) {
            int cap = b.capLen[i];
            int entry = ENTRY_HEADER_BYTES + cap;
            if (activeSize + out.position() + entry > segmentBytes && activeSize + out.position()
                    > SEGMENT_HEADER_BYTES) {
                writeOut(firstOfWrite, seq - 1, dataOfWrite);
                dataOfWrite = 0;
                firstOfWrite = seq;
                dropped += roll(seq, entry);
            } else if (out.remaining() < entry) {
                writeOut(firstOfWrite, seq - 1, dataOfWrite);
                dataOfWrite = 0;
                firstOfWrite = seq;
            }
            int start = out.position();
            if (start == 0) {
                firstTs = Timestamps.epochNanos(b.tsSeconds[i], b.tsFraction[i], b.nanoPrecision[i]);
            }
            out.putInt(entry - 8).putInt(0).putLong(seq).putInt(b.snaplen[i])
                    .putLong(Sot2.recordTimestamp(b.tsSeconds[i], b.tsFraction[i], b.nanoPrecision[i]))
                    .putInt(b.origLen[i]).putInt(cap).putShort((short) b.linkType[i])
                    .putShort((short) Sot2.recordFlags(b.tsFraction[i], b.nanoPrecision[i]))
                    .put(b.data, b.offset[i], cap);
            crc.reset();
            crcView.limit(start + entry).position(start + 8);
            crc.update(crcView);
            out.putInt(start + 4, (int) crc.getValue());
            seq++;
            dataOfWrite += cap;
        }
        writeOut(firstOfWrite, seq - 1, dataOfWrite);
        return dropped + enforceLimit();
    }

    /** Capture time of the first entry in the write buffer. */
    private long firstTs = -1;

    private void writeOut(long first, long last, long data) throws IOException {
        if (out.position() == 0) {
            return;
        }
        out.flip();
        int n = out.remaining();
        try {
            while (out.hasRemaining()) {
                active.write(out);
            }
        } catch (IOException e) {
            // Cut back to the last whole entry: the next append must not follow a torn one.
            try {
                active.truncate(activeSize);
                active.position(activeSize);
            } catch (IOException ignored) {
                // the next open cuts it back
            }
            out.clear();
            throw e;
        }
        out.clear();
        activeSize += n;
        synchronized (this) {
            Segment g = segments.get(segments.size() - 1);
            if (g.firstTsNanos < 0 && first <= last) {
                g.firstTsNanos = firstTs;
            }
            g.dataBytes += data;
            g.end = activeSize;
            g.last = last;
            totalBytes += n;
            nextSequence = last + 1;
            notifyAll();
        }
    }

    /** Starts a new segment at {@code first}; returns records dropped to stay under the size. */
    private long roll(long first, int entry) throws IOException {
        active.close();
        startSegment(first);
        return enforceLimit();
    }

    private void startSegment() throws IOException {
        startSegment(nextSequence);
    }

    private void startSegment(long first) throws IOException {
        Path p = dir.resolve(String.format("seg-%020d.spool", first));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        h.putInt(MAGIC).putInt(VERSION).putLong(streamId).putLong(first).flip();
        while (h.hasRemaining()) {
            ch.write(h);
        }
        active = ch;
        activeSize = SEGMENT_HEADER_BYTES;
        synchronized (this) {
            segments.add(new Segment(p, first, first - 1, SEGMENT_HEADER_BYTES));
            totalBytes += SEGMENT_HEADER_BYTES;
        }
    }

    /** Deletes the oldest segments while over the size; returns the unacknowledged records they held. */
    private synchronized long enforceLimit() {
        long dropped = 0;
        while (totalBytes > maxBytes && segments.size() > 1) {
            Segment g = segments.remove(0);
            long from = Math.max(g.first, acked + 1);
            if (g.last >= from) {
                dropped += g.last - from + 1;
            }
            acked = Math.max(acked, g.last);
            delete(g);
        }
        return dropped;
    }

    /**
     * Frees every segment whose records are all acknowledged (never the one being written).
     * Returns how many records this acknowledged that were neither acknowledged nor dropped
     * (full) before: counted under the same lock as a drop, so that no record counts as both.
     */
    public long ackUpTo(long sequence) {
        long newly;
        long now;
        synchronized (this) {
            long s = Math.min(sequence, nextSequence - 1);
            newly = Math.max(0, s - acked);
            if (newly > 0) {
                acked = s;
            }
            now = acked;
            freeAcked();
        }
        if (newly > 0) {
            storeAcked(now);
        }
        return newly;
    }

    private synchronized void freeAcked() {
        while (segments.size() > 1 && segments.get(0).last <= acked) {
            delete(segments.remove(0));
        }
    }

    private void delete(Segment g) {
        totalBytes -= g.end;
        try {
            Files.deleteIfExists(g.path);
        } catch (IOException e) {
            log.warn("spool: cannot delete {}: {}", g.path, e.getMessage());
        }
    }

    /** The segment holding {@code sequence}, or the first after it (it was dropped), or null (not yet written). */
    synchronized Segment segmentFor(long sequence) {
        for (Segment g : segments) {
            if (sequence <= g.last || (g.first > sequence && g.last >= g.first)) {
                return g;
            }
        }
        return null;
    }

    /** Waits until a record after {@code sequence} is appended, or {@code millis} pass. */
    public synchronized void awaitAfter(long sequence, long millis) throws InterruptedException {
        if (nextSequence - 1 <= sequence && !closed) {
            wait(millis);
        }
    }

    /** A reader from {@code sequence} on (records before it are not read). */
    public Cursor cursor(long sequence) {
        return new Cursor(this, sequence, true);
    }

    /** Wakes waiting readers; closes the file being written. Safe to call twice. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        try {
            active.close();
            ackFile.close();
        } catch (IOException e) {
            log.debug("spool: closing: {}", e.getMessage());
        }
    }

    static boolean noSuchFile(IOException e) {
        return e instanceof NoSuchFileException;
    }
}
