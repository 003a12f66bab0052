package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapStreamDecoderTest {
    record Rec(long sec, int fraction, int capLen, int origLen, int link, boolean nano) {
    }

    /** What a sink received: the record's fields and its bytes. */
    static final class Collected implements RecordSink {
        final List<Rec> records = new ArrayList<>();
        final List<byte[]> data = new ArrayList<>();
        int roomLeft = Integer.MAX_VALUE;

        @Override
        public boolean room(int capLen) {
            return roomLeft > 0;
        }

        @Override
        public void record(ByteBuf src, int index, int capLen, int origLen, int linkType, long sec, int nanos,
                           boolean nano, int snaplen) {
            roomLeft--;
            records.add(new Rec(sec, nanos, capLen, origLen, linkType, nano));
            byte[] d = new byte[capLen];
            src.getBytes(index, d);
            data.add(d);
        }
    }

    /** Decodes the stream pushed whole, then ended. */
    static List<Rec> decode(byte[] stream, int maxSnaplen) throws Exception {
        Collected out = new Collected();
        try (PcapStreamDecoder d = new PcapStreamDecoder(out, maxSnaplen)) {
            ByteBuf in = Unpooled.wrappedBuffer(stream);
            assertTrue(d.read(in, false));
            assertEquals(0, in.readableBytes());
            d.end();
        }
        return out.records;
    }

    @Test
    void piecesOfAnySizeGiveTheSameRecordsAndBytes() throws Exception {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24 + 3 * (16 + 300));
        for (int i = 0; i < 3; i++) {
            b.putInt(i).putInt(i).putInt(300).putInt(300);
            for (int j = 0; j < 300; j++) {
                b.put((byte) (i * 7 + j));
            }
        }
        byte[] stream = b.array();
        for (int piece : new int[] {1, 3, 16, 17, 299, 1000}) {
            Collected out = new Collected();
            try (PcapStreamDecoder d = new PcapStreamDecoder(out, 262144)) {
                for (int at = 0; at < stream.length; at += piece) {
                    ByteBuf in = Unpooled.wrappedBuffer(stream, at, Math.min(piece, stream.length - at));
                    assertTrue(d.read(in, false));
                    assertEquals(0, in.readableBytes(), "a piece is consumed whole");
                }
                assertTrue(d.atBoundary());
                d.end();
            }
            assertEquals(3, out.records.size(), "pieces of " + piece);
            for (int i = 0; i < 3; i++) {
                assertEquals((byte) (i * 7 + 299), out.data.get(i)[299], "pieces of " + piece + ", record " + i);
                assertEquals((byte) (i * 7), out.data.get(i)[0]);
            }
        }
    }

    @Test
    void aSinkWithoutRoomStopsTheDecoderWhichResumesWhereItStopped() throws Exception {
        ByteBuffer b = header(ByteOrder.BIG_ENDIAN, 0xA1B2C3D4, 65535, 1, 24 + 3 * (16 + 10));
        for (int i = 0; i < 3; i++) {
            b.putInt(i).putInt(0).putInt(10).putInt(10).put(new byte[10]);
        }
        Collected out = new Collected();
        out.roomLeft = 1;
        try (PcapStreamDecoder d = new PcapStreamDecoder(out, 262144)) {
            ByteBuf in = Unpooled.wrappedBuffer(b.array());
            assertFalse(d.read(in, false), "stopped for room");
            assertEquals(1, out.records.size());
            assertTrue(in.readableBytes() > 0, "the rest stays unread");
            out.roomLeft = 10;
            assertTrue(d.read(in, false));
            d.end();
        }
        assertEquals(List.of(0L, 1L, 2L), out.records.stream().map(Rec::sec).toList());
    }

    @Test
    void aStreamEndingInsideARecordIsRefusedNamingHowFarItGot() throws Exception {
        ByteBuffer b = header(ByteOrder.BIG_ENDIAN, 0xA1B2C3D4, 65535, 1, 24 + 16 + 4);
        b.putInt(1).putInt(0).putInt(10).putInt(10).put(new byte[4]);
        try (PcapStreamDecoder d = new PcapStreamDecoder(new Collected(), 262144)) {
            d.read(Unpooled.wrappedBuffer(b.array()), false);
            StreamRejected e = assertThrows(StreamRejected.class, d::end);
            assertEquals(RejectReason.TRUNCATED_RECORD, e.reason);
            assertEquals("stream ended inside record #1 (4 of 10 bytes); 0 records stored", e.getMessage());
        }
    }

    static ByteBuffer header(ByteOrder order, int magic, int snaplen, int link, int size) {
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snaplen).putInt(link);
        return b;
    }

    @Test
    void readsBigEndianNanosecondStreams() throws Exception {
        ByteBuffer b = header(ByteOrder.BIG_ENDIAN, 0xA1B23C4D, 65535, 101, 24 + 16 + 20);
        b.putInt(1_700_000_000).putInt(999_999_999).putInt(20).putInt(1500).put(new byte[20]);
        assertEquals(List.of(new Rec(1_700_000_000L, 999_999_999, 20, 1500, 101, true)), decode(b.array(), 262144));
    }

    @Test
    void readsLittleEndianMicrosecondStreamsKeepingTheirUnit() throws Exception {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 262144, 1, 24 + 16 + 60);
        b.putInt(5).putInt(123_456).putInt(60).putInt(60).put(new byte[60]);
        assertEquals(List.of(new Rec(5, 123_456, 60, 60, 1, false)), decode(b.array(), 262144));
    }

    @Test
    void aRecordClaimingFourGigabytesIsRefusedBeforeReadingIt() {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 262144, 1, 24 + 16);
        b.putInt(5).putInt(0).putInt(0xFFFFFFF0).putInt(0xFFFFFFF0);
        StreamRejected e = assertThrows(StreamRejected.class, () -> decode(b.array(), 262144));
        assertEquals(RejectReason.RECORD_TOO_LARGE, e.reason);
        assertTrue(e.getMessage().contains("4294967280 bytes, over limits.max_snaplen 262144"), e.getMessage());
    }

    @Test
    void aRecordLargerThanTheStreamsSnaplenIsRefused() {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 128, 1, 24 + 16);
        b.putInt(5).putInt(0).putInt(128 + PcapStreamDecoder.SNAPLEN_SLACK + 1).putInt(9000);
        StreamRejected e = assertThrows(StreamRejected.class, () -> decode(b.array(), 262144));
        assertTrue(e.getMessage().contains("the stream's snaplen 128"), e.getMessage());
    }

    @Test
    void aTruncatedGlobalHeaderIsRefused() {
        byte[] cut = java.util.Arrays.copyOf(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24).array(), 10);
        StreamRejected e = assertThrows(StreamRejected.class, () -> decode(cut, 262144));
        assertEquals(RejectReason.TRUNCATED_HEADER, e.reason);
        assertEquals("pcap global header cut after 10 of 24 bytes", e.getMessage());
    }

    @Test
    void outOfRangeFractionsAreKeptAsTheyCame() throws Exception {
        int[] fractions = {999_999, 1_000_000, 4_294_967, 4_294_968, 0xFFFFFFFF};
        for (boolean nano : new boolean[] {false, true}) {
            ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, nano ? 0xA1B23C4D : 0xA1B2C3D4, 65535, 1,
                    24 + fractions.length * 16);
            for (int f : fractions) {
                b.putInt(5).putInt(f).putInt(0).putInt(0);
            }
            List<Rec> out = decode(b.array(), 262144);
            for (int i = 0; i < fractions.length; i++) {
                // The fraction in the stream's own unit, as it came: the file writer writes it back.
                assertEquals(new Rec(5, fractions[i], 0, 0, 1, nano), out.get(i), (nano ? "ns " : "us ") + i);
            }
        }
    }

    @Test
    void aSecondGlobalHeaderMidStreamStartsANewCaptureNotAZeroByteRecord() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 60 + 24 + 16 + 20);
        b.put(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24).array());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(7).putInt(60).putInt(60).put(new byte[60]);
        b.put(header(ByteOrder.BIG_ENDIAN, 0xA1B23C4D, 65535, 101, 24).array());
        b.order(ByteOrder.BIG_ENDIAN).putInt(6).putInt(8).putInt(20).putInt(20).put(new byte[20]);
        assertEquals(List.of(new Rec(5, 7, 60, 60, 1, false), new Rec(6, 8, 20, 20, 101, true)),
                decode(b.array(), 262144));
    }

    @Test
    void reservedAndUnknownLinkTypesAreRefusedNamingTheValue() {
        for (long link : new long[] {65535, 0xFFFFFFFFL, 4, 0x00010001L}) {
            ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, (int) link, 24);
            StreamRejected e = assertThrows(StreamRejected.class, () -> decode(b.array(), 262144));
            assertEquals(RejectReason.BAD_HEADER, e.reason);
            assertTrue(e.getMessage().contains("link type " + link), e.getMessage());
        }
        // The FCS bits the format allows on top of a known type are not a reason to refuse.
        assertTrue(com.secureot.pcap.packet.LinkTypes.isKnown(0x10000000L | 1));
    }

    @Test
    void aSecondHeaderWithAnUnknownLinkTypeRefusesTheRestAndKeepsWhatCameBefore() {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 10 + 24);
        b.put(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24).array());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(0).putInt(10).putInt(10).put(new byte[10]);
        b.put(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 65535, 24).array());
        Collected out = new Collected();
        StreamRejected e = assertThrows(StreamRejected.class, () -> {
            try (PcapStreamDecoder d = new PcapStreamDecoder(out, 262144)) {
                d.read(Unpooled.wrappedBuffer(b.array()), false);
            }
        });
        assertTrue(e.getMessage().startsWith("second pcap header has link type 65535"), e.getMessage());
        assertEquals(1, out.records.size());
    }
}
