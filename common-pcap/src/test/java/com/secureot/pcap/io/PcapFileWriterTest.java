package com.secureot.pcap.io;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import com.secureot.pcap.testing.TestPcaps.PcapFile;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PcapFileWriterTest {

    private static List<Packet> sample() {
        List<Packet> l = new ArrayList<>();
        byte[] first = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 76);
        l.add(new Packet(1, 1_700_000_000L, 123_456_789, first.length, first));
        byte[] cut = java.util.Arrays.copyOf(TestPcaps.ipv4Frame("10.0.0.2", "10.0.0.1", 1400), 64);
        l.add(new Packet(1, 1_700_000_001L, 999_999_999, 1454, cut));
        l.add(Packet.of(1_700_003_600L, 0, TestPcaps.arpFrame("10.0.0.1", "10.0.0.9")));
        return l;
    }

    private static byte[] write(List<Packet> packets, boolean nano, int bufferBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel ch = Channels.newChannel(out);
        PcapFileWriter w = new PcapFileWriter(ch, ByteBuffer.allocate(bufferBytes), nano, 1, 65535, true, 0);
        int reached = 0;
        for (Packet p : packets) {
            w.append(p.sec(), p.fraction(nano), p.data(), 0, p.data().length, p.origLen());
        }
        w.flush();
        reached += w.takeFlushedRecords();
        assertEquals(packets.size(), reached, "records reported as written");
        assertEquals(out.size(), w.durableBytes());
        return out.toByteArray();
    }

    @Test
    void writesTheLittleEndianGlobalHeaderLikeTcpdump() throws IOException {
        byte[] micro = write(List.of(), false, 4096);
        assertEquals("d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "ffff0000" + "01000000",
                HexFormat.of().formatHex(micro));
        byte[] nano = write(List.of(), true, 4096);
        assertEquals("4d3cb2a1", HexFormat.of().formatHex(nano, 0, 4));
    }

    @Test
    void nanosecondFileKeepsEveryNanosecondAndOrigLen() throws IOException {
        PcapFile f = TestPcaps.read(write(sample(), true, 4096), "memory");
        assertEquals(true, f.nano());
        assertEquals(65535, f.snaplen());
        assertEquals(1, f.linkType());
        assertEquals(sample(), f.packets());
        assertArrayEquals(TestPcaps.pcap(sample(), true, ByteOrder.LITTLE_ENDIAN, 1, 65535),
                write(sample(), true, 4096));
    }

    @Test
    void microsecondFileTruncatesToTheMicrosecond() throws IOException {
        PcapFile f = TestPcaps.read(write(sample(), false, 4096), "memory");
        assertEquals(false, f.nano());
        assertEquals(sample().stream().map(Packet::micro).toList(), f.packets());
        assertEquals(123_456_000, f.packets().get(0).nanos());
        assertEquals(1454, f.packets().get(1).origLen(), "a cut packet stays marked as cut");
    }

    @Test
    void recordLargerThanTheBufferIsWrittenWholeAndInOrder() throws IOException {
        List<Packet> l = new ArrayList<>(sample());
        byte[] jumbo = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 9000);
        l.add(1, new Packet(1, 1_700_000_000L, 500, jumbo.length, jumbo));
        byte[] out = write(l, true, 64);
        assertEquals(l, TestPcaps.read(out, "memory").packets());
    }

    @Test
    void countsEveryRecordThatReachedTheChannelEvenWhenTheBufferFilledInBetween() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapFileWriter w = new PcapFileWriter(Channels.newChannel(out), ByteBuffer.allocate(256), true, 1, 65535,
                true, 0);
        byte[] frame = TestPcaps.ipv4Frame("10.0.0.1", "10.0.0.2", 60);
        long reported = 0;
        for (int i = 0; i < 1000; i++) {
            w.append(1, i, frame, 0, frame.length, frame.length);
            if (i % 97 == 0) {
                w.flush();
                reported += w.takeFlushedRecords();
            }
        }
        w.flush();
        reported += w.takeFlushedRecords();
        assertEquals(1000, reported);
        assertEquals(1000, TestPcaps.read(out.toByteArray(), "memory").packets().size());
    }

    @Test
    void appendsWithoutAHeaderAfterExistingBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Packet> l = sample();
        out.writeBytes(TestPcaps.pcap(l.subList(0, 1), true, ByteOrder.LITTLE_ENDIAN, 1, 65535));
        int existing = out.size();
        PcapFileWriter w = new PcapFileWriter(Channels.newChannel(out), ByteBuffer.allocate(4096), true, 1, 65535,
                false, existing);
        for (Packet p : l.subList(1, l.size())) {
            w.append(p.sec(), p.fraction(true), p.data(), 0, p.data().length, p.origLen());
        }
        w.flush();
        assertEquals(out.size(), w.durableBytes());
        assertEquals(l, TestPcaps.read(out.toByteArray(), "memory").packets());
    }

    @Test
    void aFullDiskFailsTheFlushAndKeepsTheRecordsForTheOwnerToDiscard() throws IOException {
        // /dev/full is a real device whose every write fails with ENOSPC.
        try (FileChannel full = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
            PcapFileWriter w = new PcapFileWriter(full, ByteBuffer.allocate(4096), false, 1, 65535, true, 0);
            for (Packet p : sample()) {
                w.append(p.sec(), p.fraction(false), p.data(), 0, p.data().length, p.origLen());
            }
            IOException e = assertThrows(IOException.class, w::flush);
            assertEquals(true, e.getMessage().contains("No space left"), e.getMessage());
            assertEquals(3, w.discardBuffered());
            assertEquals(0, w.recordBoundary());
        }
    }

    @Test
    void writersSharingOneBufferEachKeepToTheirRegion() throws IOException {
        // As the store does: regions of one direct buffer, records interleaved, regions filling and
        // flushing at different times; the last region belongs to nobody and must stay untouched.
        int region = 256;
        ByteBuffer shared = ByteBuffer.allocateDirect(4 * region);
        for (int i = 3 * region; i < 4 * region; i++) {
            shared.put(i, (byte) 0x5a);
        }
        List<List<Packet>> expected = new ArrayList<>();
        List<ByteArrayOutputStream> outs = new ArrayList<>();
        List<PcapFileWriter> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            expected.add(new ArrayList<>());
            outs.add(new ByteArrayOutputStream());
            writers.add(new PcapFileWriter(Channels.newChannel(outs.get(w)), shared, w * region, region, w == 1, 1,
                    65535, true, 0));
        }
        for (int i = 0; i < 300; i++) {
            int w = i * 7 % 3;
            byte[] frame = TestPcaps.ipv4Frame("10.0.0." + (w + 1), "10.0.0.9", 60 + i % 5 * 40);
            Packet p = new Packet(1, 1_700_000_000L + i, w == 1 ? i * 1001 : i * 1000, frame.length, frame);
            writers.get(w).append(p.sec(), p.fraction(w == 1), p.data(), 0, p.data().length, p.origLen());
            expected.get(w).add(p);
        }
        for (int w = 0; w < 3; w++) {
            writers.get(w).flush();
            assertEquals(expected.get(w), TestPcaps.read(outs.get(w).toByteArray(), "memory").packets(), "writer " + w);
        }
        for (int i = 3 * region; i < 4 * region; i++) {
            assertEquals(0x5a, shared.get(i), "byte " + i + " outside every region");
        }
    }

    @Test
    void aFlushCutShortKeepsTheUnwrittenRestForTheNextFlush() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel stream = Channels.newChannel(out);
        // Accepts 50 bytes, then fails once (a write that stopped halfway), then works again.
        WritableByteChannel flaky = new WritableByteChannel() {
            int calls;

            @Override
            public int write(ByteBuffer src) throws IOException {
                if (++calls == 2) {
                    throw new IOException("interrupted halfway");
                }
                if (calls == 1) {
                    ByteBuffer part = src.slice(src.position(), 50);
                    src.position(src.position() + 50);
                    return stream.write(part);
                }
                return stream.write(src);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        ByteBuffer shared = ByteBuffer.allocateDirect(3 * 512);
        PcapFileWriter w = new PcapFileWriter(flaky, shared, 512, 512, true, 1, 65535, true, 0);
        for (Packet p : sample()) {
            w.append(p.sec(), p.fraction(true), p.data(), 0, p.data().length, p.origLen());
        }
        assertThrows(IOException.class, w::flush);
        assertEquals(50, w.durableBytes());
        assertEquals(0, w.recordBoundary(), "no whole record reached the channel yet");
        w.flush();
        assertEquals(sample(), TestPcaps.read(out.toByteArray(), "memory").packets());
        assertEquals(out.size(), w.durableBytes());
    }

    @Test
    void rejectsABufferTooSmallForAHeader() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PcapFileWriter(
                Channels.newChannel(new ByteArrayOutputStream()), ByteBuffer.allocate(39), false, 1, 0, true, 0));
        assertEquals("buffer: 39 bytes (expected: >= 40)", e.getMessage());
    }
}
