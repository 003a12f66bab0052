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
public final class PcapFileWriter {
    private final WritableByteChannel channel;
    private final ByteBuffer buffer;
    private final boolean nano;
    private final int linkType;
    private long durableBytes;
    /** Bytes up to the end of the last record that fully reached the channel. */
    private long boundary;
    private int bufferedRecords;

    /**
     * @param buffer where records wait for {@link #flush}; its content is replaced
     * @param writeHeader false when appending to a stream that has its global header already
     * @param existingBytes bytes already in the channel (when appending)
     */
    public PcapFileWriter(WritableByteChannel channel, ByteBuffer buffer, boolean nano, int linkType, int snaplen,
                          boolean writeHeader, long existingBytes) {
        if (buffer.capacity() < PcapFormat.GLOBAL_HEADER_BYTES + PcapFormat.RECORD_HEADER_BYTES) {
            throw new IllegalArgumentException("buffer: " + buffer.capacity() + " bytes (expected: >= 40)");
        }
        this.channel = channel;
        this.buffer = buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
        this.nano = nano;
        this.linkType = linkType;
        this.durableBytes = existingBytes;
        this.boundary = existingBytes;
        if (writeHeader) {
            putGlobalHeader(this.buffer, nano, linkType, snaplen);
        }
    }

    /** Puts the 24-byte global header into {@code b} (little-endian). */
    public static void putGlobalHeader(ByteBuffer b, boolean nano, int linkType, int snaplen) {
        ByteOrder order = b.order();
        b.order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(nano ? PcapFormat.MAGIC_NANO : PcapFormat.MAGIC_MICRO)
                .putShort(PcapFormat.VERSION_MAJOR).putShort(PcapFormat.VERSION_MINOR)
                .putInt(0).putInt(0).putInt(snaplen).putInt(linkType);
        b.order(order);
    }

    /**
     * Appends one record; flushes first when the buffer cannot hold it. When this throws, the
     * record was not stored and what was buffered before it is left for {@link #discardBuffered}.
     */
    public void append(long sec, int nanos, byte[] data, int off, int capLen, int origLen) throws IOException {
        int need = PcapFormat.RECORD_HEADER_BYTES + capLen;
        if (buffer.remaining() < need) {
            // Keep the count of what this flush wrote: the owner learns it at its next flush().
            int reached = flush();
            flushedRecords += reached;
        }
        if (buffer.remaining() >= need) {
            buffer.putInt((int) sec).putInt(nano ? nanos : nanos / 1000).putInt(capLen).putInt(origLen);
            buffer.put(data, off, capLen);
            bufferedRecords++;
            return;
        }
        // A record larger than the whole buffer: its header through the buffer, its data directly.
        buffer.putInt((int) sec).putInt(nano ? nanos : nanos / 1000).putInt(capLen).putInt(origLen);
        buffer.flip();
        ByteBuffer body = ByteBuffer.wrap(data, off, capLen);
        try {
            while (buffer.hasRemaining()) {
                durableBytes += channel.write(buffer);
            }
            while (body.hasRemaining()) {
                durableBytes += channel.write(body);
            }
        } finally {
            buffer.clear();
        }
        boundary = durableBytes;
        flushedRecords++;
    }

    private int flushedRecords;

    /** Records that reached the channel inside {@link #append} since the last call; see {@link #flush}. */
    private int takeDirect() {
        int n = flushedRecords;
        flushedRecords = 0;
        return n;
    }

    /**
     * Writes what is buffered. Returns the number of records that reached the channel. On an
     * error the buffer is kept: {@link #discardBuffered} drops it and says how many records.
     */
    public int flush() throws IOException {
        if (buffer.position() == 0) {
            return takeDirect();
        }
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                durableBytes += channel.write(buffer);
            }
        } catch (IOException e) {
            buffer.compact();
            throw e;
        }
        buffer.clear();
        boundary = durableBytes;
        int n = bufferedRecords + takeDirect();
        bufferedRecords = 0;
        return n;
    }

    /** Forgets the buffered records after a failed flush; returns how many there were. */
    public int discardBuffered() {
        buffer.clear();
        int n = bufferedRecords;
        bufferedRecords = 0;
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
        return durableBytes + buffer.position();
    }

    public boolean nano() {
        return nano;
    }

    public int linkType() {
        return linkType;
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
