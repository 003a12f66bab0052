package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * SOT2, the acknowledged forwarding stream over TCP (docs/wire-formats.md, "SOT2"): a hello from
 * the sensor, a welcome from the collector, then frames, all big-endian. The sensor sends
 * sequenced batches of records; the collector acknowledges the highest sequence below which
 * every record is in its files. This class holds the layout and the encoders; {@link Sot2Decoder}
 * reads the sensor's side of the stream.
 */
public final class Sot2 {
    /** "SOT2": the first four bytes of a sensor's stream (not a pcap magic in either order). */
    public static final int MAGIC = 0x534F5432;
    /** The only version so far; hello carries a [min, max] range so that a later one can negotiate. */
    public static final int VERSION = 1;
    public static final int HELLO_FIXED_BYTES = 18;
    public static final int WELCOME_FIXED_BYTES = 18;
    public static final int FRAME_HEADER_BYTES = 8;
    public static final int BATCH_HEADER_BYTES = 16;
    public static final int RECORD_HEADER_BYTES = 20;
    public static final int MAX_SENSOR_ID_BYTES = 255;
    public static final int MAX_TEXT_BYTES = 1024;
    /** A frame body is at most 16 MiB: a batch is cut before that, and a reader never buffers more. */
    public static final int MAX_FRAME_BYTES = 16 << 20;
    public static final int MAX_BATCH_RECORDS = 65535;

    // Frame types: 0x0_ from the sensor, 0x8_ from the collector.
    public static final int BATCH = 0x01;
    public static final int SKIP = 0x02;
    public static final int KEEPALIVE = 0x03;
    public static final int ACK = 0x81;
    public static final int ERROR = 0x82;

    /** Record flag: the source had nanosecond timestamps (else microsecond: the files keep it). */
    public static final int RECORD_NANO = 1;
    /**
     * Record flag: the timestamp is the record's seconds and sub-second field as it came
     * ({@link com.secureot.pcap.packet.Timestamps#fields}), not epoch nanoseconds: sent for a
     * fraction out of its range, which epoch nanoseconds would carry into the seconds.
     */
    public static final int RECORD_FIELDS = 2;

    // Welcome status.
    public static final int ACCEPTED = 0;
    public static final int VERSION_UNSUPPORTED = 1;
    public static final int REFUSED = 2;

    // SKIP reasons.
    public static final int SKIP_SPOOL_FULL = 1;

    private Sot2() {
    }

    /** Writes the hello: what the sensor is and which stream of it this connection carries. */
    public static void putHello(ByteBuffer b, long streamId, String sensorId) {
        byte[] id = sensorId.getBytes(StandardCharsets.UTF_8);
        if (id.length == 0 || id.length > MAX_SENSOR_ID_BYTES) {
            throw new IllegalArgumentException("sensorId: " + id.length + " bytes (expected: 1.." + MAX_SENSOR_ID_BYTES
                    + ")");
        }
        b.order(ByteOrder.BIG_ENDIAN).putInt(MAGIC).put((byte) VERSION).put((byte) VERSION).putShort((short) 0)
                .putLong(streamId).putShort((short) id.length).put(id);
    }

    /** Writes the collector's answer to a hello; {@code text} is the sensor's name, or why it is refused. */
    public static void putWelcome(ByteBuffer b, int version, int status, long resumeAfter, String text) {
        byte[] t = clip(text);
        b.order(ByteOrder.BIG_ENDIAN).putInt(MAGIC).put((byte) version).put((byte) status).putShort((short) 0)
                .putLong(resumeAfter).putShort((short) t.length).put(t);
    }

    public static void putFrameHeader(ByteBuffer b, int type, int length) {
        b.order(ByteOrder.BIG_ENDIAN).put((byte) type).put((byte) 0).putShort((short) 0).putInt(length);
    }

    public static void putBatchHeader(ByteBuffer b, long firstSequence, int count, int snaplen) {
        b.putLong(firstSequence).putInt(count).putInt(snaplen);
    }

    /** The u64 timestamp of a record: epoch nanoseconds, or its fields when the fraction is out of range. */
    public static long recordTimestamp(long sec, int fraction, boolean nano) {
        return Timestamps.inRange(fraction, nano) ? Timestamps.epochNanos(sec, fraction, nano)
                : Timestamps.fields(sec, fraction);
    }

    /** The record flags of a timestamp: {@link #RECORD_NANO} and, out of range, {@link #RECORD_FIELDS}. */
    public static int recordFlags(int fraction, boolean nano) {
        return (nano ? RECORD_NANO : 0) | (Timestamps.inRange(fraction, nano) ? 0 : RECORD_FIELDS);
    }

    /** The seconds of a record's timestamp {@code ts} with {@code flags}. */
    public static long recordSeconds(long ts, int flags) {
        return (flags & RECORD_FIELDS) != 0 ? Timestamps.fieldsSeconds(ts) : Timestamps.seconds(ts);
    }

    /** The fraction (in the unit of {@link #RECORD_NANO}) of a record's timestamp {@code ts} with {@code flags}. */
    public static int recordFraction(long ts, int flags) {
        return (flags & RECORD_FIELDS) != 0 ? Timestamps.fieldsFraction(ts)
                : Timestamps.fraction(ts, (flags & RECORD_NANO) != 0);
    }

    public static void putRecordHeader(ByteBuffer b, long tsNanos, int origLen, int capLen, int linkType, int flags) {
        b.putLong(tsNanos).putInt(origLen).putInt(capLen).putShort((short) linkType).putShort((short) flags);
    }

    /** A whole ACK frame: every record up to {@code sequence} is stored (or was skipped by the sensor). */
    public static void putAck(ByteBuffer b, long sequence) {
        putFrameHeader(b, ACK, 8);
        b.putLong(sequence);
    }

    /** A whole SKIP frame: the sensor dropped {@code [first, last]}; they will never come. */
    public static void putSkip(ByteBuffer b, long first, long last, int reason) {
        putFrameHeader(b, SKIP, 18);
        b.putLong(first).putLong(last).putShort((short) reason);
    }

    public static void putKeepalive(ByteBuffer b) {
        putFrameHeader(b, KEEPALIVE, 0);
    }

    /** A whole ERROR frame: the collector closes the connection after it; the text is for the sensor's log. */
    public static void putError(ByteBuffer b, int code, String text) {
        byte[] t = clip(text);
        putFrameHeader(b, ERROR, 4 + t.length);
        b.putShort((short) code).putShort((short) t.length).put(t);
    }

    public static int errorFrameBytes(String text) {
        return FRAME_HEADER_BYTES + 4 + clip(text).length;
    }

    private static byte[] clip(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return t.length <= MAX_TEXT_BYTES ? t : java.util.Arrays.copyOf(t, MAX_TEXT_BYTES);
    }

    /** Whether {@code id} may name a sensor: 1-255 bytes of letters, digits and {@code . _ - : @}. */
    public static boolean validSensorId(String id) {
        if (id == null || id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > MAX_SENSOR_ID_BYTES) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == ':'
                    || c == '@'))) {
                return false;
            }
        }
        return true;
    }
}
