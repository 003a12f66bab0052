package com.secureot.forward.spool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads a spool's records in sequence order from a starting sequence, as whole SOT2 records
 * copied into the caller's buffer. Records the spool dropped before they were read (full) are
 * reported as a skipped range, never silently passed over. One thread owns a cursor.
 */
public final class Cursor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Cursor.class);
    private static final int BUFFER_BYTES = (1 << 20) + (256 << 10) + Spool.ENTRY_HEADER_BYTES;

    private final Spool spool;
    private final ByteBuffer buf;
    private final CRC32C crc = new CRC32C();
    private long next;
    private Spool.Segment segment;
    private FileChannel channel;
    /** Where the entry of {@code next} starts in the segment; -1 until found. */
    private long pos = -1;
    private long bufStart;
    private int snaplen;
    private long skipFirst;
    private long skipLast;
    private boolean skipCorrupt;

    Cursor(Spool spool, long sequence, boolean buffered) {
        this.spool = spool;
        this.next = sequence;
        this.buf = buffered ? ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN)
                : ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN);
        this.buf.limit(0);
        this.view = buf.duplicate();
    }

    /** A second view of the buffer, so that checking and copying a record makes no buffer per packet. */
    private final ByteBuffer view;

    /** The sequence of the next record this cursor reads. */
    public long next() {
        return next;
    }

    /** The snaplen of the records of the last {@link #fill}. */
    public int snaplen() {
        return snaplen;
    }

    /** After {@link #fill} returned -1: the range of records that were dropped before they were read. */
    public long skippedFirst() {
        return skipFirst;
    }

    public long skippedLast() {
        return skipLast;
    }

    /** After {@link #fill} returned -1: whether they were lost to a damaged spool file rather than a full spool. */
    public boolean skippedCorrupt() {
        return skipCorrupt;
    }

    /**
     * Copies records from {@link #next} on, of one snaplen and below {@code before}, into
     * {@code dst} while they fit and fewer than {@code maxRecords} are copied.
     *
     * @return records copied (0: none available yet), or -1 when the next records were dropped
     *         (see {@link #skippedFirst}); the cursor is then past them
     */
    public int fill(ByteBuffer dst, int maxRecords, long before) throws IOException {
        int count = 0;
        if (segment != null && spool.firstSequence() > segment.first) {
            release(); // the spool dropped the segment under this cursor (full)
        }
        while (count < maxRecords && next < before) {
            if (segment == null || next > segment.last) {
                Spool.Segment g = spool.segmentFor(next);
                if (g == null) {
                    return count;
                }
                if (g.first > next) {
                    if (count > 0) {
                        return count;
                    }
                    release();
                    return skip(next, g.first - 1, false);
                }
                if (g != segment) {
                    open(g);
                }
            }
            if (pos < 0 && !seek()) {
                return count;
            }
            // The writer publishes a segment's end after whole entries only: anything bad below it is damage.
            long end = segment.end;
            if (!ensure(pos, 4, end)) {
                return count;
            }
            int len = buf.getInt((int) (pos - bufStart));
            int total = len + 8;
            if (len < Spool.ENTRY_HEADER_BYTES - 8 || total > BUFFER_BYTES || !ensure(pos, total, end)
                    || !valid(total)) {
                if (count > 0) {
                    return count;
                }
                log.error("spool: {} is damaged at byte {} (sequence {}); the rest of it is skipped", segment.path,
                        pos, next);
                long last = segment.last;
                release();
                return skip(next, last, true);
            }
            int at = (int) (pos - bufStart);
            long seq = buf.getLong(at + 8);
            int snap = buf.getInt(at + 16);
            if (seq != next) {
                throw new IOException("spool: " + segment.path + " holds sequence " + seq + " where " + next
                        + " was expected");
            }
            if (count > 0 && snap != snaplen) {
                return count;
            }
            int record = total - Spool.ENTRY_PREFIX_BYTES;
            if (dst.remaining() < record) {
                return count;
            }
            snaplen = snap;
            view.limit(at + total).position(at + Spool.ENTRY_PREFIX_BYTES);
            dst.put(view);
            pos += total;
            next++;
            count++;
        }
        return count;
    }

    private int skip(long first, long last, boolean corrupt) {
        skipFirst = first;
        skipLast = last;
        skipCorrupt = corrupt;
        next = last + 1;
        return -1;
    }

    private boolean valid(int total) {
        int at = (int) (pos - bufStart);
        crc.reset();
        view.limit(at + total).position(at + 8);
        crc.update(view);
        return (int) crc.getValue() == buf.getInt(at + 4);
    }

    private void open(Spool.Segment g) throws IOException {
        release();
        segment = g;
        channel = FileChannel.open(g.path, StandardOpenOption.READ);
        pos = -1;
    }

    /** Finds the entry of {@code next} by walking the segment's entries from its start. */
    private boolean seek() throws IOException {
        long p = Spool.SEGMENT_HEADER_BYTES;
        long seq = segment.first;
        long end = segment.end;
        while (seq < next) {
            if (!ensure(p, 4, end)) {
                return false;
            }
            p += buf.getInt((int) (p - bufStart)) + 8;
            seq++;
        }
        pos = p;
        return true;
    }

    /** Makes bytes [at, at + n) of the segment available in the buffer; false when not written yet. */
    private boolean ensure(long at, int n, long end) throws IOException {
        if (at + n > end) {
            return false;
        }
        if (at >= bufStart && at + n <= bufStart + buf.limit()) {
            return true;
        }
        buf.clear();
        int want = (int) Math.min(buf.capacity(), end - at);
        long p = at;
        while (buf.position() < want) {
            int r = channel.read(buf, p);
            if (r < 0) {
                break;
            }
            p += r;
        }
        buf.flip();
        bufStart = at;
        return buf.limit() >= n;
    }

    /** Reads one whole entry at {@code at} into {@code e} (recovery scan); its length, or -1 if cut or damaged. */
    int readEntry(FileChannel ch, long at, long end, ByteBuffer e) throws IOException {
        if (at + 8 > end) {
            return -1;
        }
        e.clear().limit(8);
        ch.read(e, at);
        if (e.position() < 8) {
            return -1;
        }
        int len = e.getInt(0);
        long total = (long) len + 8;
        if (len < Spool.ENTRY_HEADER_BYTES - 8 || total > e.capacity() || at + total > end) {
            return -1;
        }
        e.limit((int) total);
        while (e.hasRemaining()) {
            if (ch.read(e, at + e.position()) < 0) {
                return -1;
            }
        }
        crc.reset();
        crc.update(e.slice(8, (int) total - 8));
        return (int) crc.getValue() == e.getInt(4) ? (int) total : -1;
    }

    private void release() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
        channel = null;
        segment = null;
        pos = -1;
        buf.limit(0);
        bufStart = 0;
    }

    @Override
    public void close() {
        release();
    }
}
