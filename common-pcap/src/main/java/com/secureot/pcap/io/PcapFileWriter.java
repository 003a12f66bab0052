package com.secureot.pcap.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a classic pcap stream (global header, then one 16-byte header per record) through a
 * buffer to a channel. The project writes pcap itself because libpcap's dumper loses
 * {@code orig_len}, hides disk-full errors until {@code fflush}, and costs 12-37 µs a packet
 * through pcap4j; this costs a copy. Headers use the host's little-endian order, as tcpdump does.
 * Not thread-safe: one thread owns each writer.
 */
public class PcapFileWriter {
    private final WritableByteChannel channel;
    /** Records wait in {@code buffer[base, base + capacity)}; other writers may own the rest of it. */
    private final ByteBuffer buffer;
    private final int base;
    private final int capacity;
    /** Bytes waiting in the region. */
    private int pending;
    private final boolean nano;
    private final int linkType;
    private final int snaplen;
    private final boolean writesHeader;
    private long durableBytes;
    /** Bytes up to the end of the last record that fully reached the channel. */
    private long boundary;
    private int bufferedRecords;
    private long bufferedDataBytes;
    // Records and their data bytes that reached the channel, not yet taken by the owner.
    private int flushedRecords;
    private long flushedDataBytes;

    /**
     * @param buffer where records wait for {@link #flush}; its content is replaced
     * @param writeHeader false when appending to a stream that has its global header already
     * @param existingBytes bytes already in the channel (when appending)
     */
    public PcapFileWriter(WritableByteChannel channel, ByteBuffer buffer, boolean nano, int linkType, int snaplen,
                          boolean writeHeader, long existingBytes) {
        this(channel, buffer, 0, buffer.capacity(), nano, linkType, snaplen, writeHeader, existingBytes);
    }

    /**
     * A writer whose records wait in {@code capacity} bytes of {@code buffer} from {@code base}:
     * a store with thousands of files open gives each a region of a few large buffers, so that
     * storing a packet reads no per-file buffer object (a cache miss each with one file per address).
     * The buffer's order is set to little-endian; the writer never moves its position or limit.
     */
    public PcapFileWriter(WritableByteChannel channel, ByteBuffer buffer, int base, int capacity, boolean nano,
                          int linkType, int snaplen, boolean writeHeader, long existingBytes) {
        if (capacity < PcapFormat.GLOBAL_HEADER_BYTES + PcapFormat.RECORD_HEADER_BYTES) {
            throw new IllegalArgumentException("buffer: " + capacity + " bytes (expected: >= 40)");
        }
        if (base < 0 || base > buffer.capacity() - capacity) {
            throw new IllegalArgumentException("region [" + base + ", " + (base + capacity) + ") outside a buffer of "
                    + buffer.capacity() + " bytes");
        }
        this.channel = channel;
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.base = base;
        this.capacity = capacity;
        this.nano = nano;
        this.linkType = linkType;
        this.snaplen = snaplen;
        this.writesHeader = writeHeader;
        this.durableBytes = existingBytes;
        this.boundary = existingBytes;
        if (writeHeader) {
            putGlobalHeader();
        }
    }

    private void putGlobalHeader() {
        putGlobalHeader(buffer, base + pending, nano, linkType, snaplen);
        pending += PcapFormat.GLOBAL_HEADER_BYTES;
    }

    private static void putGlobalHeader(ByteBuffer to, int at, boolean nano, int linkType, int snaplen) {
        to.putInt(at, nano ? PcapFormat.MAGIC_NANO : PcapFormat.MAGIC_MICRO)
                .putShort(at + 4, PcapFormat.VERSION_MAJOR).putShort(at + 6, PcapFormat.VERSION_MINOR)
                .putInt(at + 8, 0).putInt(at + 12, 0).putInt(at + 16, snaplen).putInt(at + 20, linkType);
    }

    /**
     * The 24-byte global header of a file, to write when the file is created (before any record),
     * so that a file is never left without it whatever happens to the process later.
     */
    public static ByteBuffer globalHeader(boolean nano, int linkType, int snaplen) {
        ByteBuffer b = ByteBuffer.allocate(PcapFormat.GLOBAL_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        putGlobalHeader(b, 0, nano, linkType, snaplen);
        return b;
    }

    /**
     * Appends one record, {@code fraction} in the file's unit (see {@link com.secureot.pcap.packet.Timestamps});
     * flushes first when the buffer cannot hold it. When this throws, the
     * record was not stored and what was buffered before it is left for {@link #discardBuffered}.
     */
    public void append(long sec, int fraction, byte[] data, int off, int capLen, int origLen) throws IOException {
        int need = PcapFormat.RECORD_HEADER_BYTES + capLen;
        if (capacity - pending < need) {
            flush();
        }
        putRecordHeader(sec, fraction, capLen, origLen);
        if (capacity - pending >= capLen) {
            buffer.put(base + pending, data, off, capLen);
            pending += capLen;
            bufferedRecords++;
            bufferedDataBytes += capLen;
            return;
        }
        // A record larger than the whole region: its header through the region, its data directly.
        ByteBuffer header = buffer.slice(base, pending);
        ByteBuffer body = ByteBuffer.wrap(data, off, capLen);
        try {
            while (header.hasRemaining()) {
                durableBytes += channel.write(header);
            }
            while (body.hasRemaining()) {
                durableBytes += channel.write(body);
            }
        } finally {
            pending = 0;
        }
        boundary = durableBytes;
        flushedRecords++;
        flushedDataBytes += capLen;
    }

    private void putRecordHeader(long sec, int fraction, int capLen, int origLen) {
        int at = base + pending;
        // The fraction is in the file's unit (a store file and a stream have one precision), so
        // it goes out as it came, an out-of-range one included.
        buffer.putInt(at, (int) sec).putInt(at + 4, fraction).putInt(at + 8, capLen)
                .putInt(at + 12, origLen);
        pending += PcapFormat.RECORD_HEADER_BYTES;
    }

    /** Records that reached the channel since the last call (by {@link #flush} or a full buffer). */
    public int takeFlushedRecords() {
        int n = flushedRecords;
        flushedRecords = 0;
        return n;
    }

    /** Packet bytes (without headers) of the records counted by {@link #takeFlushedRecords}. */
    public long takeFlushedDataBytes() {
        long n = flushedDataBytes;
        flushedDataBytes = 0;
        return n;
    }

    /**
     * Writes what is buffered; see {@link #takeFlushedRecords}. On an error the buffer is kept:
     * {@link #discardBuffered} drops it and says how many records it held.
     */
    public void flush() throws IOException {
        if (pending == 0) {
            return;
        }
        ByteBuffer out = buffer.slice(base, pending);
        try {
            while (out.hasRemaining()) {
                durableBytes += channel.write(out);
            }
        } catch (IOException e) {
            // Keep what did not reach the channel at the start of the region.
            int written = out.position();
            if (written > 0) {
                buffer.put(base, buffer, base + written, pending - written);
                pending -= written;
            }
            throw e;
        }
        pending = 0;
        boundary = durableBytes;
        flushedRecords += bufferedRecords;
        flushedDataBytes += bufferedDataBytes;
        bufferedRecords = 0;
        bufferedDataBytes = 0;
    }

    /** Forgets the buffered records after a failed flush; returns how many there were. */
    public int discardBuffered() {
        pending = 0;
        if (writesHeader && boundary == 0) {
            // Not even the global header reached the file: it goes first again.
            putGlobalHeader();
        }
        int n = bufferedRecords;
        bufferedRecords = 0;
        bufferedDataBytes = 0;
        return n;
    }

    public int bufferedRecords() {
        return bufferedRecords;
    }

    /** Bytes the channel has accepted. */
    public long durableBytes() {
        return durableBytes;
    }

    /** Bytes the file will hold once flushed. */
    public long size() {
        return durableBytes + pending;
    }

    public boolean nano() {
        return nano;
    }

    public int linkType() {
        return linkType;
    }

    public int snaplen() {
        return snaplen;
    }

    /** Where the file must be cut back to after a failed write so that it ends on a whole record. */
    public long recordBoundary() {
        return boundary;
    }

    /** Rewinds the byte count after the owner truncated the file back to {@code bytes}. */
    public void resetDurable(long bytes) {
        durableBytes = bytes;
        boundary = bytes;
    }
}
