package com.secureot.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A classic pcap file read by the tests' own code, written from the format's description and
 * independent of the project's reader, so a bug shared by the daemons' reader and writer cannot
 * hide itself. Either byte order, micro- or nanosecond magic.
 */
record PcapFile(boolean nano, int snaplen, int linkType, List<Packet> packets) {

    /** One record; the timestamp fraction always in nanoseconds, the link type from the file header. */
    record Packet(int linkType, long sec, int nanos, int origLen, byte[] data) {
        boolean sameAs(Packet o) {
            return linkType == o.linkType && sec == o.sec && nanos == o.nanos && origLen == o.origLen
                    && Arrays.equals(data, o.data);
        }

        @Override
        public String toString() {
            return "Packet[linktype=" + linkType + " ts=" + sec + "." + String.format("%09d", nanos)
                    + " orig_len=" + origLen + " caplen=" + data.length + "]";
        }
    }

    static PcapFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 24) {
            throw new AssertionError(file + ": shorter than the 24-byte pcap header (" + bytes.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (!isPcapMagic(b.getInt(0))) {
            b.order(ByteOrder.BIG_ENDIAN);
            if (!isPcapMagic(b.getInt(0))) {
                throw new AssertionError(file + String.format(": not a pcap file (magic %08x)", b.getInt(0)));
            }
        }
        boolean nano = b.getInt(0) == 0xA1B23C4D;
        if (b.getShort(4) != 2 || b.getShort(6) != 4) {
            throw new AssertionError(file + ": pcap version " + b.getShort(4) + "." + b.getShort(6) + " (expected 2.4)");
        }
        int snaplen = b.getInt(16);
        int linkType = b.getInt(20);
        List<Packet> packets = new ArrayList<>();
        int p = 24;
        while (p < bytes.length) {
            if (bytes.length - p < 16) {
                throw new AssertionError(file + ": record header cut at byte " + p);
            }
            long sec = b.getInt(p) & 0xFFFFFFFFL;
            int frac = b.getInt(p + 4);
            int capLen = b.getInt(p + 8);
            int origLen = b.getInt(p + 12);
            if (capLen < 0 || capLen > bytes.length - p - 16 || origLen < capLen) {
                throw new AssertionError(file + ": bad record at byte " + p + ": caplen " + capLen + ", orig_len "
                        + origLen + ", " + (bytes.length - p - 16) + " bytes left");
            }
            packets.add(new Packet(linkType, sec, nano ? frac : frac * 1000, origLen,
                    Arrays.copyOfRange(bytes, p + 16, p + 16 + capLen)));
            p += 16 + capLen;
        }
        return new PcapFile(nano, snaplen, linkType, packets);
    }

    private static boolean isPcapMagic(int magic) {
        return magic == 0xA1B2C3D4 || magic == 0xA1B23C4D;
    }

    /** Every packet equal (bytes, timestamp sec+nanos, orig_len, link type), in order, and the same count. */
    static void assertSamePackets(List<Packet> expected, List<Packet> actual, String what) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).sameAs(actual.get(i))) {
                throw new AssertionError(what + ": packet " + i + " differs: expected " + expected.get(i) + ", got "
                        + actual.get(i));
            }
        }
        if (expected.size() != actual.size()) {
            throw new AssertionError(what + ": " + actual.size() + " packets stored, " + expected.size() + " sent");
        }
    }
}
