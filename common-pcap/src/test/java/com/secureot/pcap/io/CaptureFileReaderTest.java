package com.secureot.pcap.io;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Interface;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureFileReaderTest {
    private static final List<Packet> TRAFFIC = TestPcaps.mixedTraffic(1_700_000_000L, 500, 7);

    /** What the reader delivered, plus the precision flag and snaplen of each packet. */
    private record Read(List<Packet> packets, List<Boolean> nano, List<Integer> snaplen, String warning, long count) {
    }

    private static Read read(byte[] file) throws IOException, InterruptedException {
        List<Packet> packets = new ArrayList<>();
        List<Boolean> nano = new ArrayList<>();
        List<Integer> snap = new ArrayList<>();
        try (CaptureFileReader r = CaptureFileReader.of(Channels.newChannel(new ByteArrayInputStream(file)), "t.pcap")) {
            long n = r.readAll((buf, off, cap, orig, link, sec, nanos, isNano, snaplen) -> {
                packets.add(new Packet(link, sec, isNano ? nanos : nanos * 1000, orig,
                        Arrays.copyOfRange(buf, off, off + cap)));
                nano.add(isNano);
                snap.add(snaplen);
            });
            return new Read(packets, nano, snap, r.warning(), n);
        }
    }

    @Test
    void readsNanosecondPcapInBothByteOrders() throws Exception {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            Read r = read(TestPcaps.pcap(TRAFFIC, true, order, 1, 65535));
            assertEquals(TRAFFIC, r.packets(), order.toString());
            assertEquals(TRAFFIC.size(), r.count());
            assertTrue(r.nano().stream().allMatch(b -> b));
            assertEquals(65535, r.snaplen().get(0));
            assertNull(r.warning());
        }
    }

    @Test
    void readsMicrosecondPcapInBothByteOrders() throws Exception {
        List<Packet> micro = TRAFFIC.stream().map(Packet::micro).toList();
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            Read r = read(TestPcaps.pcap(TRAFFIC, false, order, 1, 262144));
            assertEquals(micro, r.packets(), order.toString());
            assertTrue(r.nano().stream().noneMatch(b -> b));
        }
    }

    @Test
    void readsPcapngWithTwoInterfacesOfDifferentLinkTypesAndResolutions() throws Exception {
        List<Packet> mixed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Packet p = TRAFFIC.get(i);
            if (i % 2 == 0) {
                mixed.add(p);
            } else {
                byte[] ip = TestPcaps.ipv4("10.9.0." + i, "10.9.0.200", TestPcaps.payload(30 + i, i));
                mixed.add(new Packet(TestPcaps.RAW, p.sec(), p.nanos() / 1000 * 1000, ip.length + 5, ip));
            }
        }
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            byte[] file = TestPcaps.pcapng(List.of(new Interface(1, 65535, 9), new Interface(101, 1500, 6)), mixed,
                    order);
            Read r = read(file);
            assertEquals(mixed, r.packets(), order.toString());
            for (int i = 0; i < mixed.size(); i++) {
                assertEquals(i % 2 == 0, r.nano().get(i), "if_tsresol=9 is nanosecond, 6 is microsecond");
                assertEquals(i % 2 == 0 ? 65535 : 1500, r.snaplen().get(i));
            }
        }
    }

    @Test
    void aCutShortLastRecordGivesEveryWholeRecordAndAWarning() throws Exception {
        byte[] whole = TestPcaps.pcap(TRAFFIC, true, ByteOrder.LITTLE_ENDIAN, 1, 65535);
        Read r = read(Arrays.copyOf(whole, whole.length - 7));
        assertEquals(TRAFFIC.subList(0, TRAFFIC.size() - 1), r.packets());
        assertTrue(r.warning().contains("cut short"), r.warning());

        byte[] ng = TestPcaps.pcapng(List.of(new Interface(1, 65535, 9)), TRAFFIC, ByteOrder.LITTLE_ENDIAN);
        Read rn = read(Arrays.copyOf(ng, ng.length - 3));
        assertEquals(TRAFFIC.subList(0, TRAFFIC.size() - 1), rn.packets());
        assertTrue(rn.warning().contains("cut short"), rn.warning());
    }

    @Test
    void garbageIsAFormatErrorNamingTheFile() {
        byte[] text = "GET / HTTP/1.1\r\nHost: plc\r\n\r\n".getBytes();
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> read(text));
        assertTrue(e.getMessage().startsWith("t.pcap: not a pcap or pcapng file"), e.getMessage());
        assertThrows(CaptureFormatException.class, () -> read(new byte[0]));
        assertThrows(CaptureFormatException.class, () -> read(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2,
            (byte) 0xa1, 2, 0}));
    }

    @Test
    void aReservedOrUnknownLinkTypeIsAFormatErrorNamingIt() {
        for (int link : new int[] {65535, 0xFFFFFFFF, 4}) {
            byte[] file = TestPcaps.pcap(TRAFFIC.subList(0, 1), false, ByteOrder.LITTLE_ENDIAN, link, 65535);
            CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> read(file));
            assertTrue(e.getMessage().contains("link type " + Integer.toUnsignedString(link) + " is reserved or unknown"),
                    e.getMessage());
        }
    }

    @Test
    void outOfRangeFractionsComeBackAsTheyWereWritten() throws Exception {
        for (boolean nano : new boolean[] {false, true}) {
            byte[] file = TestPcaps.oddFractions(nano);
            assertTrue(Arrays.equals(file, replay(file, nano)), (nano ? "ns" : "us")
                    + ": the replayed file is byte for byte the original");
        }
    }

    private static byte[] replay(byte[] file, boolean fileNano) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        PcapFileWriter w = new PcapFileWriter(Channels.newChannel(out), java.nio.ByteBuffer.allocate(4096), fileNano, 1,
                65535, true, 0);
        try (CaptureFileReader r = CaptureFileReader.of(Channels.newChannel(new ByteArrayInputStream(file)), "t.pcap")) {
            r.readAll(new com.secureot.pcap.packet.PacketHandler() {
                @Override
                public void packet(byte[] d, int off, int cap, int orig, int lt, long sec, int nanos, boolean nano,
                                   int snap) {
                }

                @Override
                public void packet(java.nio.ByteBuffer d, int off, int cap, int orig, int lt, long sec, int nanos,
                                   boolean nano, int snap) {
                    byte[] data = new byte[cap];
                    d.get(off, data);
                    try {
                        w.append(sec, nanos, data, 0, cap, orig);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
        }
        w.flush();
        return out.toByteArray();
    }

    @Test
    void aRecordClaimingAHugeLengthIsCorruptionNotAnAllocation() {
        byte[] file = TestPcaps.pcap(TRAFFIC.subList(0, 2), true, ByteOrder.LITTLE_ENDIAN, 1, 65535);
        int second = 24 + 16 + TRAFFIC.get(0).data().length;
        file[second + 8 + 3] = 0x7f; // caplen of the second record ~ 2 GB
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> read(file));
        assertTrue(e.getMessage().contains("record 2"), e.getMessage());
    }

    @Test
    void readsFilesMuchLargerThanItsReadBufferWithoutShiftingAByte() throws Exception {
        // ~10 MB: records straddle the 4 MiB read buffer many times.
        List<Packet> big = TestPcaps.mixedTraffic(1_700_000_000L, 40_000, 11);
        TestPcaps.assertSamePackets(big, read(TestPcaps.pcap(big, true, ByteOrder.LITTLE_ENDIAN, 1, 65535)).packets(),
                "pcap");
        TestPcaps.assertSamePackets(big,
                read(TestPcaps.pcapng(List.of(new Interface(1, 65535, 9)), big, ByteOrder.BIG_ENDIAN)).packets(),
                "pcapng");
    }

}
