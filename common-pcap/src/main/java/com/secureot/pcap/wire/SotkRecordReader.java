package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;

import java.nio.charset.StandardCharsets;

/**
 * Reads SOTK records ({@link SotkRecord}): {@link #open} checks the whole record first, so a bad
 * record is refused whole with one message naming the bad value, never stored in part; then
 * {@link #next} walks its packets without allocating. One owner thread, reused for every record.
 */
public final class SotkRecordReader {
    private byte[] d;
    private int end;
    private int pos;
    private int linkType;
    private boolean nano;
    private int snaplen;
    private long streamEpoch;
    private long firstSequence;
    private int count;
    private String sensorId;
    private int index;

    // The current packet.
    private long sec;
    private int fraction;
    private boolean fields;
    private int origLen;
    private int capLen;
    private int dataOffset;

    /**
     * Checks {@code value[0..length)} and, when it is a valid record, positions before its first
     * packet. Returns null when valid, else what is wrong (the record must then be refused).
     */
    public String open(byte[] value, int length) {
        d = value;
        end = length;
        index = 0;
        count = 0;
        if (length < SotkRecord.FIXED_HEADER_BYTES + 1) {
            return "record of " + length + " bytes is shorter than the SOTK header";
        }
        if (length > SotkRecord.MAX_RECORD_BYTES) {
            return "record of " + length + " bytes is over the limit of " + SotkRecord.MAX_RECORD_BYTES;
        }
        int magic = i32(0);
        if (magic != SotkRecord.MAGIC) {
            return String.format("magic 0x%08x is not SOTK (0x%08x)", magic, SotkRecord.MAGIC);
        }
        int version = d[4] & 0xFF;
        if (version != SotkRecord.VERSION) {
            return "SOTK version " + version + " is not supported (expected " + SotkRecord.VERSION + ")";
        }
        int flags = d[5] & 0xFF;
        if ((flags & ~(SotkRecord.FLAG_NANO | SotkRecord.FLAG_FIELDS)) != 0) {
            return "SOTK flags 0x" + Integer.toHexString(flags) + " are not supported (expected bits 0x1 nano, "
                    + "0x2 fields)";
        }
        nano = (flags & SotkRecord.FLAG_NANO) != 0;
        fields = (flags & SotkRecord.FLAG_FIELDS) != 0;
        linkType = ((d[6] & 0xFF) << 8) | (d[7] & 0xFF);
        snaplen = i32(8);
        streamEpoch = i64(12);
        firstSequence = i64(20);
        long n = i32(28) & 0xFFFFFFFFL;
        if (snaplen <= 0 || snaplen > SotkRecord.MAX_CAPLEN) {
            return "snaplen " + (snaplen & 0xFFFFFFFFL) + " is out of range (expected 1.." + SotkRecord.MAX_CAPLEN + ")";
        }
        if (firstSequence < 0) {
            return "first_sequence " + Long.toUnsignedString(firstSequence) + " is out of range (expected < 2^63)";
        }
        if (n < 1 || n > SotkRecord.MAX_PACKETS) {
            return "count " + n + " is out of range (expected 1.." + SotkRecord.MAX_PACKETS + ")";
        }
        if (firstSequence > Long.MAX_VALUE - n + 1) {
            return "first_sequence " + firstSequence + " + count " + n + " is over 2^63 (the last packet's number "
                    + "must be < 2^63)";
        }
        int idLen = d[32] & 0xFF;
        if (idLen < 1 || idLen > SotkRecord.MAX_SENSOR_ID_BYTES || SotkRecord.FIXED_HEADER_BYTES + idLen > length) {
            return "sensor_id_len " + idLen + " is out of range (expected 1.." + SotkRecord.MAX_SENSOR_ID_BYTES
                    + " within the record)";
        }
        String id = new String(d, SotkRecord.FIXED_HEADER_BYTES, idLen, StandardCharsets.US_ASCII);
        String idProblem = SotkRecord.sensorIdProblem(id);
        if (idProblem != null) {
            return "sensor_id " + idProblem;
        }
        int p = SotkRecord.FIXED_HEADER_BYTES + idLen;
        int first = p;
        for (long i = 0; i < n; i++) {
            if (p + SotkRecord.PACKET_HEADER_BYTES > length) {
                return "packet " + i + " of " + n + ": header cut at byte " + length;
            }
            long ts = i64(p);
            long orig = i32(p + 8) & 0xFFFFFFFFL;
            long cap = i32(p + 12) & 0xFFFFFFFFL;
            if (ts < 0 && !fields) {
                return "packet " + i + ": ts_ns " + ts + " is negative";
            }
            if (cap > SotkRecord.MAX_CAPLEN) {
                return "packet " + i + ": cap_len " + cap + " is over " + SotkRecord.MAX_CAPLEN;
            }
            if (orig < cap) {
                return "packet " + i + ": orig_len " + orig + " is less than cap_len " + cap;
            }
            p += SotkRecord.PACKET_HEADER_BYTES;
            if (p + cap > length) {
                return "packet " + i + " of " + n + ": " + cap + " bytes announced, " + (length - p) + " left";
            }
            p += (int) cap;
        }
        if (p != length) {
            return (length - p) + " bytes after the last of " + n + " packets";
        }
        // Same id as the previous record (the usual case): keep the string, allocate nothing.
        if (!id.equals(sensorId)) {
            sensorId = id;
        }
        count = (int) n;
        pos = first;
        return null;
    }

    /** Advances to the next packet; false after the last. */
    public boolean next() {
        if (index == count) {
            return false;
        }
        long ts = i64(pos);
        sec = fields ? Timestamps.fieldsSeconds(ts) : Timestamps.seconds(ts);
        fraction = fields ? Timestamps.fieldsFraction(ts) : Timestamps.fraction(ts, nano);
        origLen = i32(pos + 8);
        capLen = i32(pos + 12);
        dataOffset = pos + SotkRecord.PACKET_HEADER_BYTES;
        pos = dataOffset + capLen;
        index++;
        return true;
    }

    public int linkType() {
        return linkType;
    }

    /** Whether the source had nanosecond timestamps. */
    public boolean nano() {
        return nano;
    }

    public int snaplen() {
        return snaplen;
    }

    public long streamEpoch() {
        return streamEpoch;
    }

    public long firstSequence() {
        return firstSequence;
    }

    public int count() {
        return count;
    }

    public String sensorId() {
        return sensorId;
    }

    public long sec() {
        return sec;
    }

    /** The sub-second field in the record's unit ({@link #nano}), as the sensor had it. */
    public int fraction() {
        return fraction;
    }

    public int origLen() {
        return origLen;
    }

    public int capLen() {
        return capLen;
    }

    /** Where the current packet's bytes start in the array given to {@link #open}. */
    public int dataOffset() {
        return dataOffset;
    }

    public byte[] data() {
        return d;
    }

    private int i32(int at) {
        return ((d[at] & 0xFF) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
    }

    private long i64(int at) {
        return ((long) i32(at) << 32) | (i32(at + 4) & 0xFFFFFFFFL);
    }
}
