package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcapStreamDecoderTest {
    record Rec(long sec, int nanos, int capLen, int origLen, int link, boolean nano) {
    }

    static List<Rec> decode(byte[] stream, int maxSnaplen) throws Exception {
        List<Rec> out = new ArrayList<>();
        ConnectionInput in = new ConnectionInput(new ByteArrayInputStream(stream), (b, s) -> true);
        byte[] magic = new byte[4];
        in.read(magic, 0, 4, true);
        new PcapStreamDecoder(in, (d, off, cap, orig, link, sec, nanos, nano, snap) ->
                out.add(new Rec(sec, nanos, cap, orig, link, nano)), maxSnaplen, () -> false).run(magic);
        return out;
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
    void readsLittleEndianMicrosecondStreamsAsNanoseconds() throws Exception {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 262144, 1, 24 + 16 + 60);
        b.putInt(5).putInt(123_456).putInt(60).putInt(60).put(new byte[60]);
        assertEquals(List.of(new Rec(5, 123_456_000, 60, 60, 1, false)), decode(b.array(), 262144));
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
        ByteBuffer micro = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24 + 2 * 16);
        micro.putInt(5).putInt(1_000_000).putInt(0).putInt(0);
        micro.putInt(6).putInt(4_000_000).putInt(0).putInt(0);
        List<Rec> out = decode(micro.array(), 262144);
        // As nanoseconds in 32 bits (unsigned), which the file writer turns back into the same field.
        assertEquals(1_000_000, Integer.divideUnsigned(out.get(0).nanos(), 1000));
        assertEquals(4_000_000, Integer.divideUnsigned(out.get(1).nanos(), 1000));
        ByteBuffer nano = header(ByteOrder.BIG_ENDIAN, 0xA1B23C4D, 65535, 1, 24 + 16);
        nano.putInt(5).putInt(0xFFFFFFFF).putInt(0).putInt(0);
        assertEquals(0xFFFFFFFF, decode(nano.array(), 262144).get(0).nanos());
    }

    @Test
    void aMicrosecondFractionTooLargeToKeepIsRefusedWithWhy() {
        ByteBuffer b = header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24 + 16);
        b.putInt(5).putInt(0xFFFFFFFF).putInt(0).putInt(0);
        StreamRejected e = assertThrows(StreamRejected.class, () -> decode(b.array(), 262144));
        assertEquals(RejectReason.BAD_RECORD, e.reason);
        assertTrue(e.getMessage().contains("cannot be stored as it came"), e.getMessage());
    }

    @Test
    void aSecondGlobalHeaderMidStreamStartsANewCaptureNotAZeroByteRecord() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 60 + 24 + 16 + 20);
        b.put(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1, 24).array());
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(7).putInt(60).putInt(60).put(new byte[60]);
        b.put(header(ByteOrder.BIG_ENDIAN, 0xA1B23C4D, 65535, 101, 24).array());
        b.order(ByteOrder.BIG_ENDIAN).putInt(6).putInt(8).putInt(20).putInt(20).put(new byte[20]);
        assertEquals(List.of(new Rec(5, 7000, 60, 60, 1, false), new Rec(6, 8, 20, 20, 101, true)),
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
        List<Rec> out = new ArrayList<>();
        ConnectionInput in = new ConnectionInput(new ByteArrayInputStream(b.array()), (x, y) -> true);
        StreamRejected e = assertThrows(StreamRejected.class, () -> {
            byte[] magic = new byte[4];
            in.read(magic, 0, 4, true);
            new PcapStreamDecoder(in, (d, off, cap, orig, link, sec, nanos, nano, snap) ->
                    out.add(new Rec(sec, nanos, cap, orig, link, nano)), 262144, () -> false).run(magic);
        });
        assertTrue(e.getMessage().startsWith("second pcap header has link type 65535"), e.getMessage());
        assertEquals(1, out.size());
    }
}
