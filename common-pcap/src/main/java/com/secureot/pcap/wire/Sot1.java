package com.secureot.pcap.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The SOT1 datagram (docs/wire-formats.md): one captured packet per UDP datagram, big-endian,
 * <pre>
 *  0  magic    u32  0x534F5431 ("SOT1")
 *  4  linktype u16  LINKTYPE_ of the packet
 *  6  flags    u16  0 (a receiver rejects unknown flags)
 *  8  sequence u32  0, 1, 2... per sender run, wrapping; gaps are losses
 * 12  ts_ns    u64  capture time, nanoseconds since the Unix epoch
 * 20  orig_len u32  length on the wire (the captured bytes may be fewer)
 * 24  captured bytes, to the end of the datagram
 * </pre>
 */
public final class Sot1 {
    public static final int MAGIC = 0x534F5431;
    public static final int HEADER_BYTES = 24;
    /** Largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM = 65507;

    private Sot1() {
    }

    /** Writes the header at the buffer's position (big-endian); the caller appends the data. */
    public static void putHeader(ByteBuffer b, int linkType, int sequence, long sec, int nanos, int origLen) {
        b.order(ByteOrder.BIG_ENDIAN)
                .putInt(MAGIC)
                .putShort((short) linkType)
                .putShort((short) 0)
                .putInt(sequence)
                .putLong(sec * 1_000_000_000L + nanos)
                .putInt(origLen);
    }

    /** True when the datagram starts with the SOT1 magic (else it is a legacy raw frame). */
    public static boolean isSot1(byte[] d, int off, int len) {
        return len >= 4 && (d[off] & 0xFF) == 0x53 && (d[off + 1] & 0xFF) == 0x4F && (d[off + 2] & 0xFF) == 0x54
                && (d[off + 3] & 0xFF) == 0x31;
    }

    /** A decoded header; {@code problem} is non-null when the datagram must be rejected. */
    public record Header(int linkType, int flags, long sequence, long sec, int nanos, long origLen, int dataOffset,
                         int dataLength, String problem) {
    }

    /** Decodes a datagram that {@link #isSot1} accepted. */
    public static Header decode(byte[] d, int off, int len) {
        if (len < HEADER_BYTES) {
            return new Header(0, 0, 0, 0, 0, 0, 0, 0, "SOT1 datagram of " + len + " bytes is shorter than its "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(d, off, len).order(ByteOrder.BIG_ENDIAN);
        int linkType = b.getShort(off + 4) & 0xFFFF;
        int flags = b.getShort(off + 6) & 0xFFFF;
        long seq = b.getInt(off + 8) & 0xFFFFFFFFL;
        long ts = b.getLong(off + 12);
        long orig = b.getInt(off + 20) & 0xFFFFFFFFL;
        int dataLen = len - HEADER_BYTES;
        String problem = null;
        if (flags != 0) {
            problem = "SOT1 flags " + flags + " are not supported (expected 0)";
        } else if (ts < 0) {
            problem = "SOT1 timestamp " + ts + " is negative";
        } else if (orig < dataLen) {
            problem = "SOT1 orig_len " + orig + " is less than the " + dataLen + " bytes carried";
        }
        return new Header(linkType, flags, seq, Math.floorDiv(ts, 1_000_000_000L), (int) Math.floorMod(ts, 1_000_000_000L),
                orig, off + HEADER_BYTES, dataLen, problem);
    }
}
