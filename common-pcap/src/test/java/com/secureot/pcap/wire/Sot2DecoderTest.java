package com.secureot.pcap.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SOT2 decoder on bytes written by the encoder and on hostile bytes: every bad value named. */
class Sot2DecoderTest {
    /** Collects what the decoder reports; {@code room} can be withheld to test back-pressure. */
    private static final class Events implements Sot2Decoder.Handler {
        final List<String> seen = new ArrayList<>();
        boolean room = true;

        @Override
        public void hello(int versionMin, int versionMax, long streamId, String sensorId) {
            seen.add("hello " + versionMin + ".." + versionMax + " " + Long.toHexString(streamId) + " " + sensorId);
        }

        @Override
        public void batch(long firstSequence, int count, int snaplen) {
            seen.add("batch " + firstSequence + "x" + count);
        }

        @Override
        public boolean room(int capLen) {
            return room;
        }

        @Override
        public void record(long sequence, long tsNanos, int origLen, int linkType, int flags, int snaplen, byte[] data,
                           int off, int capLen) {
            seen.add("record " + sequence + " " + tsNanos + " " + origLen + "/" + capLen + " link " + linkType + " "
                    + Arrays.toString(Arrays.copyOfRange(data, off, off + capLen)));
        }

        @Override
        public void batchEnd() {
            seen.add("end");
        }

        @Override
        public void skip(long first, long last, int reason) {
            seen.add("skip " + first + ".." + last);
        }

        @Override
        public void keepalive() {
            seen.add("keepalive");
        }
    }

    private static byte[] stream() {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.BIG_ENDIAN);
        Sot2.putHello(b, 0xabcdef, "plant-7");
        Sot2.putFrameHeader(b, Sot2.BATCH, Sot2.BATCH_HEADER_BYTES + 2 * Sot2.RECORD_HEADER_BYTES + 3 + 0);
        Sot2.putBatchHeader(b, 5, 2, 65535);
        Sot2.putRecordHeader(b, 1_000_000_007L, 60, 3, 1, Sot2.RECORD_NANO);
        b.put(new byte[] {1, 2, 3});
        Sot2.putRecordHeader(b, 2_000_000_000L, 0, 0, 101, 0); // an empty record is allowed
        Sot2.putSkip(b, 7, 9, Sot2.SKIP_SPOOL_FULL);
        Sot2.putKeepalive(b);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static final List<String> EXPECTED = List.of("hello 1..1 abcdef plant-7", "batch 5x2",
            "record 5 1000000007 60/3 link 1 [1, 2, 3]", "record 6 2000000000 0/0 link 101 []", "end", "skip 7..9",
            "keepalive");

    @Test
    void decodesWhatTheEncoderWroteInPiecesOfAnySize() throws Exception {
        byte[] s = stream();
        for (int piece = 1; piece <= s.length; piece++) {
            Events e = new Events();
            Sot2Decoder d = new Sot2Decoder(e, 65535);
            for (int off = 0; off < s.length; off += piece) {
                int n = Math.min(piece, s.length - off);
                assertEquals(n, d.feed(s, off, n));
            }
            assertEquals(EXPECTED, e.seen, "pieces of " + piece);
            assertTrue(d.atBoundary());
        }
    }

    @Test
    void withoutRoomItStopsBeforeTheRecordAndGoesOnWhereItStopped() throws Exception {
        byte[] s = stream();
        Events e = new Events();
        e.room = false;
        Sot2Decoder d = new Sot2Decoder(e, 65535);
        int used = d.feed(s, 0, s.length);
        assertTrue(used < s.length);
        assertEquals(List.of("hello 1..1 abcdef plant-7", "batch 5x2"), e.seen);
        assertEquals(0, d.feed(s, used, s.length - used), "still no room: nothing consumed");
        e.room = true;
        assertEquals(s.length - used, d.feed(s, used, s.length - used));
        assertEquals(EXPECTED, e.seen);
    }

    private static String rejected(byte[] bytes, int maxCapLen) {
        Sot2Exception x = assertThrows(Sot2Exception.class, () -> new Sot2Decoder(new Events(), maxCapLen)
                .feed(bytes, 0, bytes.length));
        return x.getMessage();
    }

    @Test
    void hostileValuesAreRefusedWithTheirValueNamed() {
        byte[] s = stream();
        byte[] magic = s.clone();
        magic[3] = '9';
        assertEquals("SOT2 hello magic 0x534f5439 (expected 0x534f5432)", rejected(magic, 65535));

        byte[] versions = s.clone();
        versions[4] = 3;
        versions[5] = 2;
        assertEquals("SOT2 hello versions 3..2 are not a range (expected 1 <= min <= max)", rejected(versions, 65535));

        int frame = Sot2.HELLO_FIXED_BYTES + 7;
        byte[] huge = s.clone();
        ByteBuffer.wrap(huge).putInt(frame + 4, 0x7fffffff);
        assertEquals("SOT2 frame #1 claims 2147483647 bytes (limit 16777216)", rejected(huge, 65535));

        byte[] type = s.clone();
        type[frame] = 0x42;
        assertEquals("SOT2 frame #1 has type 0x42 (expected 0x01 batch, 0x02 skip or 0x03 keepalive)",
                rejected(type, 65535));

        assertEquals("SOT2 record 5 claims 3 bytes, over limits.max_snaplen 2", rejected(s, 2));

        byte[] orig = s.clone();
        int rec = frame + Sot2.FRAME_HEADER_BYTES + Sot2.BATCH_HEADER_BYTES;
        ByteBuffer.wrap(orig).putInt(rec + 8, 2);
        assertEquals("SOT2 record 5 has orig_len 2 below its 3 captured bytes", rejected(orig, 65535));

        byte[] count = s.clone();
        ByteBuffer.wrap(count).putInt(frame + Sot2.FRAME_HEADER_BYTES + 8, 0);
        assertEquals("SOT2 frame #1 holds 0 records (expected 1..65535)", rejected(count, 65535));

        byte[] stream0 = s.clone();
        ByteBuffer.wrap(stream0).putLong(8, 0);
        assertEquals("SOT2 hello stream id 0 is reserved (expected a random non-zero id)", rejected(stream0, 65535));
    }
}
