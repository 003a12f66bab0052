package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;

import java.util.Arrays;

/**
 * Builds SOTK records ({@link SotkRecord}) of one sensor run: {@link #start}, {@link #add} per
 * packet while {@link #fits}, then {@link #finish}. The sequence numbers run on across records.
 * One owner thread; the buffer is reused, so only the finished record is a new array.
 */
public final class SotkRecordWriter {
    private final byte[] sensorId;
    private final long streamEpoch;
    private final int maxRecordBytes;
    private byte[] buf;
    private int pos;
    private int count;
    private long nextSequence;
    private long recordFirst;
    private boolean nano;
    private boolean fields;

    /**
     * @param maxRecordBytes a record grows to at most this (the producer's max.request.size less
     *                       the Kafka framing); a single packet larger than that still gets its record
     */
    public SotkRecordWriter(String sensorId, long streamEpoch, long firstSequence, int maxRecordBytes) {
        String problem = SotkRecord.sensorIdProblem(sensorId);
        if (problem != null) {
            throw new IllegalArgumentException("sensorId: " + problem);
        }
        if (maxRecordBytes < 1024) {
            throw new IllegalArgumentException("maxRecordBytes: " + maxRecordBytes + " (expected: >= 1024)");
        }
        this.sensorId = SotkRecord.utf8(sensorId);
        this.streamEpoch = streamEpoch;
        this.nextSequence = firstSequence;
        this.maxRecordBytes = maxRecordBytes;
        this.buf = new byte[Math.min(maxRecordBytes, 1 << 20)];
    }

    /** Starts a record whose packets all have {@code linkType} and the same precision. */
    public void start(int linkType, int snaplen, boolean nano) {
        start(linkType, snaplen, nano, false, nextSequence);
    }

    /**
     * Starts a record. With {@code fields} every packet's timestamp goes as its two fields
     * ({@link SotkRecord#FLAG_FIELDS}), which packets with an out-of-range fraction need. Its
     * first packet has sequence number {@code firstSequence}: a sender that numbers its packets
     * itself (the forwarder's spool) may leave gaps (packets it dropped).
     */
    public void start(int linkType, int snaplen, boolean nano, boolean fields, long firstSequence) {
        if (firstSequence < 0) {
            throw new IllegalArgumentException("firstSequence: " + firstSequence + " (expected: >= 0)");
        }
        nextSequence = firstSequence;
        this.nano = nano;
        this.fields = fields;
        pos = 0;
        count = 0;
        recordFirst = nextSequence;
        putInt(SotkRecord.MAGIC);
        buf[pos++] = (byte) SotkRecord.VERSION;
        buf[pos++] = (byte) ((nano ? SotkRecord.FLAG_NANO : 0) | (fields ? SotkRecord.FLAG_FIELDS : 0));
        putShort(linkType);
        putInt(snaplen);
        putLong(streamEpoch);
        putLong(recordFirst);
        putInt(0); // count, set by finish
        buf[pos++] = (byte) sensorId.length;
        System.arraycopy(sensorId, 0, buf, pos, sensorId.length);
        pos += sensorId.length;
    }

    /** Packets in the record being built. */
    public int count() {
        return count;
    }

    /** Whether a packet of {@code capLen} bytes may join the record being built. */
    public boolean fits(int capLen) {
        return count == 0 || (count < SotkRecord.MAX_PACKETS
                && pos + SotkRecord.PACKET_HEADER_BYTES + (long) capLen <= maxRecordBytes);
    }

    /** Adds a packet; {@code fraction} is in the record's unit (see {@link Timestamps}). */
    public void add(long sec, int fraction, int origLen, byte[] data, int off, int capLen) {
        addEncoded(fields ? Timestamps.fields(sec, fraction) : Timestamps.epochNanos(sec, fraction, nano), origLen,
                data, off, capLen);
    }

    /**
     * Adds a packet whose timestamp is already in the record's form: epoch nanoseconds, or its
     * two fields when the record was started with {@code fields}. A SOT2 record (and the spool)
     * holds timestamps in the same form, so they pass through unchanged.
     */
    public void addEncoded(long ts, int origLen, byte[] data, int off, int capLen) {
        if (capLen > SotkRecord.MAX_CAPLEN || origLen < capLen) {
            throw new IllegalArgumentException("capLen/origLen: " + capLen + "/" + origLen
                    + " (expected: capLen <= " + SotkRecord.MAX_CAPLEN + " and <= origLen)");
        }
        ensure(SotkRecord.PACKET_HEADER_BYTES + capLen);
        putLong(ts);
        putInt(origLen);
        putInt(capLen);
        System.arraycopy(data, off, buf, pos, capLen);
        pos += capLen;
        count++;
        nextSequence++;
    }

    /** Sequence number of the first packet of the record being built. */
    public long firstSequence() {
        return recordFirst;
    }

    /** The sequence number the next packet will get. */
    public long nextSequence() {
        return nextSequence;
    }

    /** The record built, as a new array; the writer is ready for the next {@link #start}. */
    public byte[] finish() {
        int c = count;
        buf[28] = (byte) (c >>> 24);
        buf[29] = (byte) (c >>> 16);
        buf[30] = (byte) (c >>> 8);
        buf[31] = (byte) c;
        byte[] out = Arrays.copyOf(buf, pos);
        count = 0;
        pos = 0;
        return out;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(pos + more, buf.length * 2));
        }
    }

    private void putShort(int v) {
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(int v) {
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }
}
