package com.secureot.pcap.wire;

import java.nio.charset.StandardCharsets;

import static com.secureot.pcap.wire.Sot2Exception.Kind.BAD_FRAME;
import static com.secureot.pcap.wire.Sot2Exception.Kind.BAD_HELLO;
import static com.secureot.pcap.wire.Sot2Exception.Kind.BAD_RECORD;
import static com.secureot.pcap.wire.Sot2Exception.Kind.RECORD_TOO_LARGE;

/**
 * Reads the sensor's side of a SOT2 stream from whatever bytes arrive, in pieces of any size:
 * no I/O, no thread, so that it is tested by feeding arrays. Every length is checked before its
 * bytes are awaited, so a hostile length costs nothing; a record that arrives whole in one piece
 * is handed on from the caller's array, never copied here.
 */
public final class Sot2Decoder {
    /** What the stream says, in order. Called on the feeding thread. */
    public interface Handler {
        void hello(int versionMin, int versionMax, long streamId, String sensorId) throws Sot2Exception;

        /** A batch of {@code count} records numbered from {@code firstSequence} begins. */
        void batch(long firstSequence, int count, int snaplen) throws Sot2Exception;

        /** False when a record of {@code capLen} bytes cannot be taken now: {@link #feed} stops before it. */
        boolean room(int capLen);

        /**
         * One record; {@code timestamp} is epoch nanoseconds, or the record's fields with
         * {@link Sot2#RECORD_FIELDS}: {@link Sot2#recordSeconds} and {@link Sot2#recordFraction} read both.
         */
        void record(long sequence, long timestamp, int origLen, int linkType, int flags, int snaplen, byte[] data,
                    int off, int capLen) throws Sot2Exception, InterruptedException;

        /** The batch's last record was handed on. */
        void batchEnd() throws Sot2Exception, InterruptedException;

        void skip(long first, long last, int reason) throws Sot2Exception;

        void keepalive() throws Sot2Exception;
    }

    private enum State { HELLO, HELLO_ID, FRAME, BATCH, RECORD, DATA, SKIP_BODY }

    private final Handler handler;
    private final int maxCapLen;
    private State state = State.HELLO;
    private final byte[] part;
    private int partLen;
    // The hello's fixed fields, until its sensor id arrives.
    private int versionMin;
    private int versionMax;
    private long streamId;
    private int idLen;
    // The frame and batch being read.
    private long frameLeft;
    private long nextSequence;
    private int recordsLeft;
    private int snaplen;
    private long tsNanos;
    private int origLen;
    private int capLen;
    private int linkType;
    private int flags;
    private long frames;

    /** @param maxCapLen the longest record accepted ({@code limits.max_snaplen}) */
    public Sot2Decoder(Handler handler, int maxCapLen) {
        if (maxCapLen <= 0) {
            throw new IllegalArgumentException("maxCapLen: " + maxCapLen + " (expected: > 0)");
        }
        this.handler = handler;
        this.maxCapLen = maxCapLen;
        this.part = new byte[Math.max(maxCapLen, Sot2.MAX_SENSOR_ID_BYTES + Sot2.HELLO_FIXED_BYTES)];
    }

    /** True when no frame is half read: a stream that ends here lost nothing. */
    public boolean atBoundary() {
        return state == State.FRAME && partLen == 0;
    }

    /** Frames read whole so far (for messages). */
    public long frames() {
        return frames;
    }

    /**
     * Consumes what it can of {@code in[off, off + len)}; stops early, before a record, when the
     * handler has no room for it (back-pressure: call again with the rest later).
     *
     * @return the bytes consumed
     */
    public int feed(byte[] in, int off, int len) throws Sot2Exception, InterruptedException {
        int consumed = 0;
        while (true) {
            int want = wanted();
            if (partLen == want && (want > 0 || state == State.DATA)) {
                // An item complete in the part buffer (or an empty record): handled before more is taken.
                if (!handleIfRoom(part, 0)) {
                    return consumed;
                }
                partLen = 0;
                continue;
            }
            if (partLen == 0 && len >= want) {
                if (!handleIfRoom(in, off)) {
                    return consumed;
                }
                off += want;
                len -= want;
                consumed += want;
                continue;
            }
            if (len == 0) {
                return consumed;
            }
            int take = Math.min(want - partLen, len);
            System.arraycopy(in, off, part, partLen, take);
            partLen += take;
            off += take;
            len -= take;
            consumed += take;
        }
    }

    private boolean handleIfRoom(byte[] b, int o) throws Sot2Exception, InterruptedException {
        if (state == State.DATA && !handler.room(capLen)) {
            return false;
        }
        handle(b, o);
        return true;
    }

    private int wanted() {
        return switch (state) {
            case HELLO -> Sot2.HELLO_FIXED_BYTES;
            case HELLO_ID -> idLen;
            case FRAME -> Sot2.FRAME_HEADER_BYTES;
            case BATCH -> Sot2.BATCH_HEADER_BYTES;
            case RECORD -> Sot2.RECORD_HEADER_BYTES;
            case DATA -> capLen;
            case SKIP_BODY -> 18;
        };
    }

    private void handle(byte[] b, int o) throws Sot2Exception, InterruptedException {
        switch (state) {
            case HELLO -> hello(b, o);
            case HELLO_ID -> {
                String id = new String(b, o, idLen, StandardCharsets.UTF_8);
                state = State.FRAME;
                handler.hello(versionMin, versionMax, streamId, id);
            }
            case FRAME -> frame(b, o);
            case BATCH -> batch(b, o);
            case RECORD -> record(b, o);
            case DATA -> {
                long seq = nextSequence++;
                recordsLeft--;
                state = recordsLeft > 0 ? State.RECORD : State.FRAME;
                handler.record(seq, tsNanos, origLen, linkType, flags, snaplen, b, o, capLen);
                if (recordsLeft == 0) {
                    endFrame();
                    handler.batchEnd();
                }
            }
            case SKIP_BODY -> {
                long first = be64(b, o);
                long last = be64(b, o + 8);
                int reason = be16(b, o + 16);
                if (first < 1 || last < first) {
                    throw new Sot2Exception(BAD_FRAME, "SOT2 skip [" + first + ", " + last + "] after frame #"
                            + frames + " is not a range of sequences (expected 1 <= first <= last)");
                }
                state = State.FRAME;
                endFrame();
                handler.skip(first, last, reason);
            }
        }
    }

    private void hello(byte[] b, int o) throws Sot2Exception {
        int magic = be32(b, o);
        if (magic != Sot2.MAGIC) {
            throw new Sot2Exception(BAD_HELLO, String.format("SOT2 hello magic 0x%08x (expected 0x%08x)", magic,
                    Sot2.MAGIC));
        }
        versionMin = b[o + 4] & 0xFF;
        versionMax = b[o + 5] & 0xFF;
        int helloFlags = be16(b, o + 6);
        streamId = be64(b, o + 8);
        idLen = be16(b, o + 16);
        if (versionMin > versionMax || versionMin == 0) {
            throw new Sot2Exception(BAD_HELLO, "SOT2 hello versions " + versionMin + ".." + versionMax
                    + " are not a range (expected 1 <= min <= max)");
        }
        if (helloFlags != 0) {
            throw new Sot2Exception(BAD_HELLO, "SOT2 hello flags " + helloFlags + " are not supported (expected 0)");
        }
        if (streamId == 0) {
            throw new Sot2Exception(BAD_HELLO, "SOT2 hello stream id 0 is reserved (expected a random non-zero id)");
        }
        if (idLen < 1 || idLen > Sot2.MAX_SENSOR_ID_BYTES) {
            throw new Sot2Exception(BAD_HELLO, "SOT2 hello sensor id length " + idLen + " (expected 1.."
                    + Sot2.MAX_SENSOR_ID_BYTES + ")");
        }
        state = State.HELLO_ID;
    }

    private void frame(byte[] b, int o) throws Sot2Exception {
        int type = b[o] & 0xFF;
        int frameFlags = b[o + 1] & 0xFF;
        int reserved = be16(b, o + 2);
        long length = be32(b, o + 4) & 0xFFFFFFFFL;
        String where = "SOT2 frame #" + (frames + 1);
        if (frameFlags != 0 || reserved != 0) {
            throw new Sot2Exception(BAD_FRAME, where + " has flags " + frameFlags + "/" + reserved + " (expected 0)");
        }
        if (length > Sot2.MAX_FRAME_BYTES) {
            throw new Sot2Exception(BAD_FRAME, where + " claims " + length + " bytes (limit " + Sot2.MAX_FRAME_BYTES
                    + ")");
        }
        frameLeft = length;
        switch (type) {
            case Sot2.BATCH -> {
                expectAtLeast(where, length, Sot2.BATCH_HEADER_BYTES + Sot2.RECORD_HEADER_BYTES);
                state = State.BATCH;
            }
            case Sot2.SKIP -> {
                if (length != 18) {
                    throw new Sot2Exception(BAD_FRAME, where + " (skip) has " + length + " bytes (expected 18)");
                }
                state = State.SKIP_BODY;
            }
            case Sot2.KEEPALIVE -> {
                if (length != 0) {
                    throw new Sot2Exception(BAD_FRAME, where + " (keepalive) has " + length + " bytes (expected 0)");
                }
                frames++;
                handler.keepalive();
            }
            default -> throw new Sot2Exception(BAD_FRAME, where + String.format(" has type 0x%02x", type)
                    + " (expected 0x01 batch, 0x02 skip or 0x03 keepalive)");
        }
    }

    private void batch(byte[] b, int o) throws Sot2Exception {
        long first = be64(b, o);
        int count = be32(b, o + 8);
        int snap = be32(b, o + 12);
        String where = "SOT2 frame #" + (frames + 1);
        if (first < 1) {
            throw new Sot2Exception(BAD_FRAME, where + " starts at sequence " + first + " (expected >= 1)");
        }
        if (count < 1 || count > Sot2.MAX_BATCH_RECORDS) {
            throw new Sot2Exception(BAD_FRAME, where + " holds " + Integer.toUnsignedString(count)
                    + " records (expected 1.." + Sot2.MAX_BATCH_RECORDS + ")");
        }
        if (snap <= 0) {
            throw new Sot2Exception(BAD_FRAME, where + " has snaplen " + Integer.toUnsignedString(snap)
                    + " (expected 1.." + Integer.MAX_VALUE + ")");
        }
        frameLeft -= Sot2.BATCH_HEADER_BYTES;
        nextSequence = first;
        recordsLeft = count;
        snaplen = snap;
        state = State.RECORD;
        handler.batch(first, count, snap);
    }

    private void record(byte[] b, int o) throws Sot2Exception {
        tsNanos = be64(b, o);
        long orig = be32(b, o + 8) & 0xFFFFFFFFL;
        long cap = be32(b, o + 12) & 0xFFFFFFFFL;
        linkType = be16(b, o + 16);
        flags = be16(b, o + 18);
        String where = "SOT2 record " + nextSequence;
        frameLeft -= Sot2.RECORD_HEADER_BYTES;
        if (cap > maxCapLen) {
            throw new Sot2Exception(RECORD_TOO_LARGE, where + " claims " + cap + " bytes, over limits.max_snaplen "
                    + maxCapLen);
        }
        if (cap > frameLeft) {
            throw new Sot2Exception(BAD_FRAME, where + " claims " + cap + " bytes, past the end of its frame ("
                    + frameLeft + " left)");
        }
        if (recordsLeft == 1 && cap != frameLeft) {
            throw new Sot2Exception(BAD_FRAME, where + " is the batch's last but " + (frameLeft - cap)
                    + " bytes of the frame are left");
        }
        if (orig < cap) {
            throw new Sot2Exception(BAD_RECORD, where + " has orig_len " + orig + " below its " + cap
                    + " captured bytes");
        }
        if ((flags & ~(Sot2.RECORD_NANO | Sot2.RECORD_FIELDS)) != 0) {
            throw new Sot2Exception(BAD_RECORD, where + " has flags " + flags + " (expected bits 1 nano, 2 fields)");
        }
        if (tsNanos < 0 && (flags & Sot2.RECORD_FIELDS) == 0) {
            throw new Sot2Exception(BAD_RECORD, where + " has a negative timestamp " + tsNanos);
        }
        if (recordsLeft > 1 && frameLeft - cap < Sot2.RECORD_HEADER_BYTES) {
            throw new Sot2Exception(BAD_FRAME, where + ": the frame ends before the batch's " + (recordsLeft - 1)
                    + " further records");
        }
        origLen = (int) Math.min(orig, Integer.MAX_VALUE);
        capLen = (int) cap;
        frameLeft -= cap;
        state = State.DATA;
    }

    private void endFrame() {
        frames++;
    }

    private static void expectAtLeast(String where, long length, int min) throws Sot2Exception {
        if (length < min) {
            throw new Sot2Exception(BAD_FRAME, where + " (batch) has " + length + " bytes (expected at least " + min
                    + ")");
        }
    }

    static int be16(byte[] b, int o) {
        return ((b[o] & 0xFF) << 8) | (b[o + 1] & 0xFF);
    }

    static int be32(byte[] b, int o) {
        return ((b[o] & 0xFF) << 24) | ((b[o + 1] & 0xFF) << 16) | ((b[o + 2] & 0xFF) << 8) | (b[o + 3] & 0xFF);
    }

    static long be64(byte[] b, int o) {
        return ((long) be32(b, o) << 32) | (be32(b, o + 4) & 0xFFFFFFFFL);
    }
}
