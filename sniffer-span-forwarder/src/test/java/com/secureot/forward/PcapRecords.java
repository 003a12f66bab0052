package com.secureot.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A classic pcap reader written for the tests from the format's description, independent of the
 * project's reader, so a writer bug cannot hide behind the same bug in the reader.
 */
final class PcapRecords {
    /** One record: its link type (from the header), timestamp in ns precision, lengths and bytes. */
    record Packet(int linkType, long sec, int nanos, int origLen, byte[] data) {
        boolean sameAs(Packet o) {
            return linkType == o.linkType && sec == o.sec && nanos == o.nanos && origLen == o.origLen
                    && Arrays.equals(data, o.data);
        }

        boolean sameFrameAs(Packet o) {
            return linkType == o.linkType && origLen == o.origLen && Arrays.equals(data, o.data);
        }

        @Override
        public String toString() {
            return "Packet[linktype=" + linkType + " ts=" + sec + "." + nanos + " orig_len=" + origLen
                    + " caplen=" + data.length + "]";
        }
    }

    private PcapRecords() {
    }

    static List<Packet> read(Path file) throws IOException {
        return read(Files.readAllBytes(file), false);
    }

    /** Reads a stream; {@code allowCutTail}: a connection that broke may end inside a record. */
    static List<Packet> read(byte[] bytes, boolean allowCutTail) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 24) {
            fail("pcap shorter than its 24-byte global header: " + bytes.length + " bytes");
        }
        int magic = b.getInt(0);
        boolean nano;
        if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
            nano = magic == 0xA1B23C4D;
        } else {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
            if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
                fail(String.format("not a pcap: magic %08x", b.getInt(0)));
            }
            nano = magic == 0xA1B23C4D;
        }
        if (b.getShort(4) != 2 || b.getShort(6) != 4) {
            fail("pcap version " + b.getShort(4) + "." + b.getShort(6) + " (expected 2.4)");
        }
        int snaplen = b.getInt(16);
        int linkType = b.getInt(20);
        List<Packet> out = new ArrayList<>();
        int p = 24;
        while (p < bytes.length) {
            if (bytes.length - p < 16) {
                if (allowCutTail) {
                    break;
                }
                fail("record header cut at byte " + p);
            }
            long sec = b.getInt(p) & 0xFFFFFFFFL;
            int frac = b.getInt(p + 4);
            int cap = b.getInt(p + 8);
            int orig = b.getInt(p + 12);
            if (cap < 0 || cap > snaplen || orig < cap) {
                fail("bad record at byte " + p + ": caplen " + cap + " orig_len " + orig + " snaplen " + snaplen);
            }
            if (bytes.length - p - 16 < cap) {
                if (allowCutTail) {
                    break;
                }
                fail("record data cut at byte " + p);
            }
            byte[] data = Arrays.copyOfRange(bytes, p + 16, p + 16 + cap);
            out.add(new Packet(linkType, sec, nano ? frac : frac * 1000, orig, data));
            p += 16 + cap;
        }
        return out;
    }

    /** Every packet equal (bytes, timestamp, orig_len, link type), in order. */
    static void assertSame(List<Packet> expected, List<Packet> actual, String what) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).sameAs(actual.get(i))) {
                fail(what + ": packet " + i + " differs: expected " + expected.get(i) + ", got " + actual.get(i));
            }
        }
        if (expected.size() != actual.size()) {
            fail(what + ": " + actual.size() + " packets (expected " + expected.size() + ")");
        }
    }
}
