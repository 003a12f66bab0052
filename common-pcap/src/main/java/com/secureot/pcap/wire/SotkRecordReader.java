package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads SOTK records ({@link SotkRecord}): {@link #open} checks the whole record first, so a bad
 * record is refused whole with one message naming the bad value, never stored in part; then
 * {@link #next} walks its packets without allocating. One owner thread, reused for every record.
 */
public final class SotkRecordReader {
    // One load per field, not four or eight byte loads (the checks and the walk read every header twice).
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int CACHE_LINE = 64;
    /** How far ahead of the check walk {@link #warm} reads: well within a core's L1 and L2 caches. */
    private static final int WARM_AHEAD = 16 << 10;
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
    /** What {@link #warm} read, kept so that its loads are not dropped as dead code. */
    private int warmSink;

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
        return open(value, 0, length);
    }

    /**
     * Checks the record in {@code value[offset..offset+length)} (a Kafka record's value within the
     * consumer's fetch buffer, read in place) and, when it is valid, positions before its first
     * packet. Returns null when valid, else what is wrong (the record must then be refused).
     */
    public String open(byte[] value, int offset, int length) {
        d = value;
        end = offset + length;
        index = 0;
        count = 0;
        int b = offset;
        if (length < SotkRecord.FIXED_HEADER_BYTES + 1) {
            return "record of " + length + " bytes is shorter than the SOTK header";
        }
        if (length > SotkRecord.MAX_RECORD_BYTES) {
            return "record of " + length + " bytes is over the limit of " + SotkRecord.MAX_RECORD_BYTES;
        }
        int magic = i32(b);
        if (magic != SotkRecord.MAGIC) {
            return String.format("magic 0x%08x is not SOTK (0x%08x)", magic, SotkRecord.MAGIC);
        }
        int version = d[b + 4] & 0xFF;
        if (version != SotkRecord.VERSION) {
            return "SOTK version " + version + " is not supported (expected " + SotkRecord.VERSION + ")";
        }
        int flags = d[b + 5] & 0xFF;
        if ((flags & ~(SotkRecord.FLAG_NANO | SotkRecord.FLAG_FIELDS)) != 0) {
            return "SOTK flags 0x" + Integer.toHexString(flags) + " are not supported (expected bits 0x1 nano, "
                    + "0x2 fields)";
        }
        nano = (flags & SotkRecord.FLAG_NANO) != 0;
        fields = (flags & SotkRecord.FLAG_FIELDS) != 0;
        linkType = ((d[b + 6] & 0xFF) << 8) | (d[b + 7] & 0xFF);
        snaplen = i32(b + 8);
        streamEpoch = i64(b + 12);
        firstSequence = i64(b + 20);
        long n = i32(b + 28) & 0xFFFFFFFFL;
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
        int idLen = d[b + 32] & 0xFF;
        if (idLen < 1 || idLen > SotkRecord.MAX_SENSOR_ID_BYTES || SotkRecord.FIXED_HEADER_BYTES + idLen > length) {
            return "sensor_id_len " + idLen + " is out of range (expected 1.." + SotkRecord.MAX_SENSOR_ID_BYTES
                    + " within the record)";
        }
        // Same id as the previous record (the usual case): compared in place, nothing allocated.
        String id = sameId(b + SotkRecord.FIXED_HEADER_BYTES, idLen) ? sensorId
                : new String(d, b + SotkRecord.FIXED_HEADER_BYTES, idLen, StandardCharsets.US_ASCII);
        if (id != sensorId) {
            String idProblem = SotkRecord.sensorIdProblem(id);
            if (idProblem != null) {
                return "sensor_id " + idProblem;
            }
        }
        int p = b + SotkRecord.FIXED_HEADER_BYTES + idLen;
        int first = p;
        int warmed = p;
        for (long i = 0; i < n; i++) {
            if (p >= warmed) {
                warmed = warm(p);
            }
            if (p + SotkRecord.PACKET_HEADER_BYTES > end) {
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
            if (p + cap > end) {
                return "packet " + i + " of " + n + ": " + cap + " bytes announced, " + (end - p) + " left";
            }
            p += (int) cap;
        }
        if (p != end) {
            return (end - p) + " bytes after the last of " + n + " packets";
        }
        sensorId = id;
        count = (int) n;
        pos = first;
        return null;
    }

    /**
     * Reads one byte of every cache line of the next {@link #WARM_AHEAD} bytes from {@code from}
     * and returns where it stopped. The walk loads each packet's header from where the previous
     * header says, so on a record that is not in the cache (a fetch just received, its CRC checked
     * records ago) it waits one memory latency per packet; these loads do not depend on each other,
     * so the core has many of them in flight and the walk, then the copy into the write batches,
     * read from the cache.
     */
    private int warm(int from) {
        int to = end - from > WARM_AHEAD ? from + WARM_AHEAD : end;
        int sink = warmSink;
        for (int i = from; i < to; i += CACHE_LINE) {
            sink += d[i];
        }
        warmSink = sink;
        return to;
    }

    /** Whether {@code d[at..at+len)} spells the previous record's (valid) sensor id. */
    private boolean sameId(int at, int len) {
        String id = sensorId;
        if (id == null || id.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (d[at + i] != (byte) id.charAt(i)) {
                return false;
            }
        }
        return true;
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

    /** Where the current packet's bytes start in the array given to {@link #open} (offset included). */
    public int dataOffset() {
        return dataOffset;
    }

    public byte[] data() {
        return d;
    }

    private int i32(int at) {
        return (int) I32.get(d, at);
    }

    private long i64(int at) {
        return (long) I64.get(d, at);
    }
}
