package com.secureot.pcap.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SotkRecordTest {

    @Test
    void aRecordIsLaidOutByteByByteAsDocumented() {
        SotkRecordWriter w = new SotkRecordWriter("s1", 0x0102030405060708L, 5, 4096);
        w.start(1, 65535, true);
        w.add(1, 2, 60, new byte[] {(byte) 0xAA, (byte) 0xBB}, 0, 2);
        byte[] r = w.finish();
        // The example of docs/wire-formats.md, byte for byte.
        assertEquals("534f544b" + "01" + "01" + "0001" + "0000ffff" + "0102030405060708" + "0000000000000005"
                + "00000001" + "02" + "7331"
                + "000000003b9aca02" + "0000003c" + "00000002" + "aabb", HexFormat.of().formatHex(r));
        assertEquals(6, w.nextSequence());
    }

    @Test
    void packetsComeBackWithTheirTimestampLengthsAndBytes() {
        Random rnd = new Random(7);
        SotkRecordWriter w = new SotkRecordWriter("plant-a.sensor_3", 1_700_000_000_000_000_000L, 0, 1 << 20);
        SotkRecordReader reader = new SotkRecordReader();
        List<byte[]> sent = new ArrayList<>();
        w.start(276, 262144, true);
        for (int i = 0; i < 300; i++) {
            byte[] p = new byte[rnd.nextInt(1500)];
            rnd.nextBytes(p);
            sent.add(p);
            w.add(1_700_000_000L + i, i * 1000 + 1, p.length + i, p, 0, p.length);
        }
        byte[] r = w.finish();
        assertNull(reader.open(r, r.length));
        assertEquals(276, reader.linkType());
        assertTrue(reader.nano());
        assertEquals(262144, reader.snaplen());
        assertEquals("plant-a.sensor_3", reader.sensorId());
        assertEquals(1_700_000_000_000_000_000L, reader.streamEpoch());
        assertEquals(0, reader.firstSequence());
        assertEquals(300, reader.count());
        for (int i = 0; i < 300; i++) {
            assertTrue(reader.next());
            assertEquals(1_700_000_000L + i, reader.sec());
            assertEquals(i * 1000 + 1, reader.fraction());
            assertEquals(sent.get(i).length + i, reader.origLen());
            assertArrayEquals(sent.get(i), Arrays.copyOfRange(reader.data(), reader.dataOffset(),
                    reader.dataOffset() + reader.capLen()));
        }
        assertFalse(reader.next());
    }

    @Test
    void aRecordIsReadInPlaceWithinALargerBufferAndASecondSensorIdIsSeen() {
        SotkRecordWriter w = new SotkRecordWriter("s1", 9, 1, 4096);
        w.start(1, 1500, false);
        w.add(5, 6, 3, new byte[] {7, 8, 9}, 0, 3);
        byte[] r = w.finish();
        // The record between other bytes, as a Kafka record's value lies in the consumer's fetch buffer.
        byte[] fetch = new byte[r.length + 40];
        Arrays.fill(fetch, (byte) 0x5A);
        System.arraycopy(r, 0, fetch, 17, r.length);
        SotkRecordReader reader = new SotkRecordReader();
        assertNull(reader.open(fetch, 17, r.length));
        assertEquals("s1", reader.sensorId());
        assertTrue(reader.next());
        assertEquals(17 + r.length - 3, reader.dataOffset());
        assertArrayEquals(new byte[] {7, 8, 9}, Arrays.copyOfRange(fetch, reader.dataOffset(), reader.dataOffset() + 3));
        assertFalse(reader.next());
        assertEquals("1 bytes after the last of 1 packets", reader.open(fetch, 17, r.length + 1));
        assertEquals("packet 0 of 1: 3 bytes announced, 2 left", reader.open(fetch, 17, r.length - 1));

        SotkRecordWriter other = new SotkRecordWriter("s2", 9, 1, 4096);
        other.start(1, 1500, false);
        other.add(5, 6, 1, new byte[] {1}, 0, 1);
        byte[] r2 = other.finish();
        assertNull(reader.open(r2, 0, r2.length));
        assertEquals("s2", reader.sensorId(), "a record of another sensor after one of s1");
        assertNull(reader.open(fetch, 17, r.length));
        assertEquals("s1", reader.sensorId());
    }

    @Test
    void aRecordOfAMebibyteWithPacketsLargerThanTheReadAheadComesBackWholeAndABadHeaderDeepInRefusesIt() {
        Random rnd = new Random(11);
        SotkRecordWriter w = new SotkRecordWriter("s1", 9, 0, 1 << 20);
        w.start(1, 262144, false);
        List<byte[]> sent = new ArrayList<>();
        int at = 0;
        int deep = -1;
        while (true) {
            // Mostly small packets, now and then one far larger than the reader's read-ahead.
            byte[] p = new byte[sent.size() % 97 == 50 ? 200_000 : 60 + rnd.nextInt(1400)];
            if (!w.fits(p.length)) {
                break;
            }
            rnd.nextBytes(p);
            if (deep < 0 && at > 600_000) {
                deep = sent.size();
            }
            sent.add(p);
            w.add(1_700_000_000L, 0, p.length, p, 0, p.length);
            at += 16 + p.length;
        }
        byte[] r = w.finish();
        assertTrue(r.length > 800_000, "record of " + r.length + " bytes");
        // The record at the very end of the array, as the last of a fetch: nothing is read past it.
        byte[] fetch = new byte[r.length + 5];
        System.arraycopy(r, 0, fetch, 5, r.length);
        SotkRecordReader reader = new SotkRecordReader();
        assertNull(reader.open(fetch, 5, r.length));
        for (byte[] p : sent) {
            assertTrue(reader.next());
            assertArrayEquals(p, Arrays.copyOfRange(fetch, reader.dataOffset(), reader.dataOffset() + reader.capLen()));
        }
        assertFalse(reader.next());

        // Packet `deep`'s cap_len (at offset 12 of its header) made one larger than its orig_len.
        int header = 5 + r.length - (int) sent.stream().skip(deep).mapToLong(p -> 16 + p.length).sum();
        ByteBuffer.wrap(fetch).putInt(header + 12, sent.get(deep).length + 1);
        assertEquals("packet " + deep + ": orig_len " + sent.get(deep).length + " is less than cap_len "
                + (sent.get(deep).length + 1), reader.open(fetch, 5, r.length));
    }

    @Test
    void sequenceNumbersRunOnAcrossRecordsAndRecordsStayUnderTheirLimit() {
        SotkRecordWriter w = new SotkRecordWriter("s", 1, 0, 4096);
        byte[] p = new byte[1000];
        w.start(1, 1500, false);
        int first = 0;
        while (w.fits(p.length)) {
            w.add(0, 0, p.length, p, 0, p.length);
            first++;
        }
        byte[] a = w.finish();
        assertTrue(a.length <= 4096, a.length + " bytes");
        w.start(1, 1500, false);
        w.add(0, 0, p.length, p, 0, p.length);
        byte[] b = w.finish();
        SotkRecordReader reader = new SotkRecordReader();
        assertNull(reader.open(a, a.length));
        assertEquals(0, reader.firstSequence());
        assertEquals(first, reader.count());
        assertNull(reader.open(b, b.length));
        assertEquals(first, reader.firstSequence());
    }

    @Test
    void aSenderThatNumbersItsPacketsItselfSetsEachRecordsFirstSequence() {
        // The forwarder's spool: its numbers start at 1, and a gap is packets it dropped (full).
        SotkRecordWriter w = new SotkRecordWriter("s", -42, 0, 4096);
        byte[] p = new byte[10];
        w.start(1, 1500, true, false, 1);
        w.addEncoded(1_000_000_123L, 60, p, 0, p.length);
        w.addEncoded(2_000_000_000L, 10, p, 0, p.length);
        byte[] a = w.finish();
        w.start(1, 1500, false, false, 500);
        w.addEncoded(3_000_000_000L, 10, p, 0, p.length);
        byte[] b = w.finish();
        SotkRecordReader reader = new SotkRecordReader();
        assertNull(reader.open(a, a.length));
        assertEquals(-42, reader.streamEpoch());
        assertEquals(1, reader.firstSequence());
        assertEquals(2, reader.count());
        assertTrue(reader.next());
        assertEquals(1, reader.sec());
        assertEquals(123, reader.fraction());
        assertEquals(60, reader.origLen());
        assertNull(reader.open(b, b.length));
        assertEquals(500, reader.firstSequence());
        assertThrows(IllegalArgumentException.class, () -> w.start(1, 1500, false, false, -1));
    }

    @Test
    void badRecordsAreRefusedWholeNamingTheBadValue() {
        SotkRecordWriter w = new SotkRecordWriter("s1", 9, 0, 4096);
        w.start(1, 65535, false);
        w.add(1, 0, 4, new byte[] {1, 2, 3, 4}, 0, 4);
        byte[] good = w.finish();
        SotkRecordReader r = new SotkRecordReader();
        assertNull(r.open(good, good.length));

        assertEquals("magic 0x584f544b is not SOTK (0x534f544b)", r.open(with(good, 0, 0x58), good.length));
        assertEquals("SOTK version 2 is not supported (expected 1)", r.open(with(good, 4, 2), good.length));
        assertEquals("SOTK flags 0x4 are not supported (expected bits 0x1 nano, 0x2 fields)",
                r.open(with(good, 5, 4), good.length));
        assertEquals("count 0 is out of range (expected 1..65536)", r.open(with(good, 31, 0), good.length));
        byte[] lastNumber = with(good, 20, 0x7F);
        for (int i = 21; i < 28; i++) {
            lastNumber[i] = (byte) 0xFF;
        }
        assertNull(r.open(lastNumber, lastNumber.length), "one packet numbered 2^63 - 1");
        assertEquals("first_sequence 9223372036854775807 + count 2 is over 2^63 (the last packet's number must be "
                + "< 2^63)", r.open(with(lastNumber, 31, 2), good.length));
        assertEquals("packet 0 of 1: 4 bytes announced, 3 left", r.open(good, good.length - 1));
        assertEquals("1 bytes after the last of 1 packets", r.open(Arrays.copyOf(good, good.length + 1), good.length + 1));
        // orig_len (4) below cap_len: cap_len's last byte set to 5 with one more byte of data
        byte[] longer = Arrays.copyOf(with(good, good.length - 5, 5), good.length + 1);
        assertEquals("packet 0: orig_len 4 is less than cap_len 5", r.open(longer, longer.length));
        assertNotNull(r.open(with(good, 33, '/'), good.length));
        assertEquals("record of 10 bytes is shorter than the SOTK header", r.open(good, 10));
    }

    @Test
    void sensorIdsThatCouldNotNameAFileAreRefused() {
        assertNull(SotkRecord.sensorIdProblem("site-7.plc_2"));
        assertNotNull(SotkRecord.sensorIdProblem("../etc"));
        assertNotNull(SotkRecord.sensorIdProblem(""));
        assertNotNull(SotkRecord.sensorIdProblem("a".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> new SotkRecordWriter("a b", 0, 0, 4096));
    }

    private static byte[] with(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }
}
