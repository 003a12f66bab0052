package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The SOT1 datagram (docs/wire-formats.md): one captured packet per UDP datagram, big-endian,
 * <pre>
 *  0  magic    u32  0x534F5431 ("SOT1")
 *  4  linktype u16  LINKTYPE_ of the packet
 *  6  flags    u16  0, or the bits below (a receiver rejects unknown flags)
 *  8  sequence u32  0, 1, 2... per sender run, wrapping; gaps are losses
 * 12  ts_ns    u64  capture time, nanoseconds since the Unix epoch; with {@link #FLAG_FIELDS} the
 *                   record's seconds (high 32 bits) and sub-second field as it came (low 32)
 * 20  orig_len u32  length on the wire (the captured bytes may be fewer)
 * 24  captured bytes, to the end of the datagram
 * </pre>
 * With flag {@link #FLAG_AUTHENTICATED} the datagram is authenticated: the header goes on
 * <pre>
 * 24  key_id   u32  which key made the tag (the collector maps it to a sensor)
 * 28  epoch    u64  the forwarder run: microseconds since the Unix epoch at its start, rising
 * 36  seq_high u32  the high 32 bits of a 64-bit sequence (the low ones are at 8)
 * 40  captured bytes
 * end-16  tag  16 bytes: HMAC-SHA-256(key, every byte before the tag), truncated
 * </pre>
 */
public final class Sot1 {
    public static final int MAGIC = 0x534F5431;
    public static final int HEADER_BYTES = 24;
    /** Flag: the authenticated layout (key id, epoch, 64-bit sequence, tag). */
    public static final int FLAG_AUTHENTICATED = 0x0001;
    /**
     * Flag: the timestamp is the record's two fields ({@link Timestamps#fields}), sent for a
     * fraction out of its range, which epoch nanoseconds would carry into the seconds.
     */
    public static final int FLAG_FIELDS = 0x0002;
    /** Flag, with {@link #FLAG_FIELDS} only: the fraction is in microseconds (else nanoseconds). */
    public static final int FLAG_MICRO = 0x0004;
    public static final int AUTH_HEADER_BYTES = 40;
    public static final int TAG_BYTES = 16;
    /** What authentication adds to a datagram: the header extension and the tag. */
    public static final int AUTH_OVERHEAD = AUTH_HEADER_BYTES - HEADER_BYTES + TAG_BYTES;
    /** Largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM = 65507;

    private Sot1() {
    }

    /**
     * Writes the header at the buffer's position (big-endian); the caller appends the data.
     * {@code fraction} is in the unit of {@code nano} (see {@link Timestamps}).
     */
    public static void putHeader(ByteBuffer b, int linkType, int sequence, long sec, int fraction, boolean nano,
                                 int origLen) {
        b.order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC)
                .putShort((short) linkType)
                .putShort((short) timeFlags(fraction, nano))
                .putInt(sequence)
                .putLong(timestamp(sec, fraction, nano))
                .putInt(origLen);
    }

    /** The flags a timestamp needs: none in range, else {@link #FLAG_FIELDS} and its unit. */
    private static int timeFlags(int fraction, boolean nano) {
        if (Timestamps.inRange(fraction, nano)) {
            return 0;
        }
        return nano ? FLAG_FIELDS : FLAG_FIELDS | FLAG_MICRO;
    }

    private static long timestamp(long sec, int fraction, boolean nano) {
        return Timestamps.inRange(fraction, nano) ? Timestamps.epochNanos(sec, fraction, nano)
                : Timestamps.fields(sec, fraction);
    }

    /**
     * Writes the authenticated header (40 bytes) at the buffer's position; the caller appends the
     * data, then {@link #seal}s the datagram.
     */
    public static void putAuthenticatedHeader(ByteBuffer b, int linkType, long sequence, long sec, int fraction,
                                              boolean nano, int origLen, long keyId, long epoch) {
        b.order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC)
                .putShort((short) linkType)
                .putShort((short) (FLAG_AUTHENTICATED | timeFlags(fraction, nano)))
                .putInt((int) sequence)
                .putLong(timestamp(sec, fraction, nano))
                .putInt(origLen)
                .putInt((int) keyId)
                .putLong(epoch)
                .putInt((int) (sequence >>> 32));
    }

    /**
     * Appends the tag to the authenticated datagram {@code d[0, len)}; returns the datagram's
     * length with it. {@code d} must have room for {@link #TAG_BYTES} more.
     */
    public static int seal(HmacSha256 hmac, Sot1Key key, byte[] d, int len) {
        System.arraycopy(hmac.mac(key, d, 0, len), 0, d, len, TAG_BYTES);
        return len + TAG_BYTES;
    }

    /** True when the tag at the end of {@code d[off, off + len)} was made with {@code key}. */
    public static boolean authentic(HmacSha256 hmac, Sot1Key key, byte[] d, int off, int len) {
        return len >= AUTH_HEADER_BYTES + TAG_BYTES
                && hmac.verify(key, d, off, len - TAG_BYTES, d, off + len - TAG_BYTES, TAG_BYTES);
    }

    /** True when the datagram starts with the SOT1 magic (else it is a legacy raw frame). */
    public static boolean isSot1(byte[] d, int off, int len) {
        return len >= 4 && (d[off] & 0xFF) == 0x53 && (d[off + 1] & 0xFF) == 0x4F && (d[off + 2] & 0xFF) == 0x54
                && (d[off + 3] & 0xFF) == 0x31;
    }

    /**
     * A decoded header; {@code problem} is non-null when the datagram must be rejected. For an
     * authenticated datagram (not yet verified: see {@link #authentic}) {@code sequence} is the
     * 64-bit one; else it is the u32 and {@code keyId}, {@code epoch} are 0. {@code fraction} is
     * in microseconds when {@code nano} is false (a {@link #FLAG_MICRO} datagram), else nanoseconds.
     */
    public record Header(int linkType, int flags, long sequence, long sec, int fraction, boolean nano, long origLen,
                         int dataOffset, int dataLength, long keyId, long epoch, String problem) {
        public boolean authenticated() {
            return (flags & FLAG_AUTHENTICATED) != 0;
        }
    }

    /** Decodes a datagram that {@link #isSot1} accepted. */
    public static Header decode(byte[] d, int off, int len) {
        if (len < HEADER_BYTES) {
            return new Header(0, 0, 0, 0, 0, true, 0, 0, 0, 0, 0, "SOT1 datagram of " + len + " bytes is shorter than its "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(d, off, len).order(ByteOrder.BIG_ENDIAN);
        int linkType = b.getShort(off + 4) & 0xFFFF;
        int flags = b.getShort(off + 6) & 0xFFFF;
        long seq = b.getInt(off + 8) & 0xFFFFFFFFL;
        long ts = b.getLong(off + 12);
        long orig = b.getInt(off + 20) & 0xFFFFFFFFL;
        int dataOff = off + HEADER_BYTES;
        int dataLen = len - HEADER_BYTES;
        long keyId = 0;
        long epoch = 0;
        String problem = null;
        if ((flags & FLAG_AUTHENTICATED) != 0) {
            if (len < AUTH_HEADER_BYTES + TAG_BYTES) {
                return new Header(linkType, flags, seq, 0, 0, true, 0, 0, 0, 0, 0, "authenticated SOT1 datagram of " + len
                        + " bytes is shorter than its " + AUTH_HEADER_BYTES + "-byte header and " + TAG_BYTES
                        + "-byte tag");
            }
            keyId = b.getInt(off + 24) & 0xFFFFFFFFL;
            epoch = b.getLong(off + 28);
            seq |= (b.getInt(off + 36) & 0xFFFFFFFFL) << 32;
            dataOff = off + AUTH_HEADER_BYTES;
            dataLen = len - AUTH_HEADER_BYTES - TAG_BYTES;
        }
        boolean fields = (flags & FLAG_FIELDS) != 0;
        if ((flags & ~(FLAG_AUTHENTICATED | FLAG_FIELDS | FLAG_MICRO)) != 0
                || (flags & (FLAG_FIELDS | FLAG_MICRO)) == FLAG_MICRO) {
            problem = "SOT1 flags " + flags + " are not supported (expected bits 1 authenticated, 2 timestamp fields, "
                    + "4 microseconds with 2)";
        } else if (!fields && ts < 0) {
            problem = "SOT1 timestamp " + ts + " is negative";
        } else if (orig < dataLen) {
            problem = "SOT1 orig_len " + orig + " is less than the " + dataLen + " bytes carried";
        }
        if (fields) {
            return new Header(linkType, flags, seq, Timestamps.fieldsSeconds(ts), Timestamps.fieldsFraction(ts),
                    (flags & FLAG_MICRO) == 0, orig, dataOff, dataLen, keyId, epoch, problem);
        }
        return new Header(linkType, flags, seq, Timestamps.seconds(ts), Timestamps.fraction(ts, true), true, orig,
                dataOff, dataLen, keyId, epoch, problem);
    }
}
