package com.secureot.remote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A pcap file read by the test itself (not by the code under test): every record with its
 * timestamp in nanoseconds, lengths, bytes and the file's link type, comparable with equals.
 */
final class PcapRecords {
    record Packet(long sec, long nanos, int capLen, long origLen, int linkType, byte[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Packet p && sec == p.sec && nanos == p.nanos && capLen == p.capLen
                    && origLen == p.origLen && linkType == p.linkType && Arrays.equals(data, p.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Packet[" + sec + "." + nanos + " cap=" + capLen + " orig=" + origLen + " link=" + linkType + "]";
        }
    }

    private PcapRecords() {
    }

    static List<Packet> read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    static List<Packet> parse(byte[] bytes, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int magic = b.getInt(0);
        boolean nano;
        if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
            nano = magic == 0xA1B23C4D;
        } else if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
            b.order(ByteOrder.LITTLE_ENDIAN);
            nano = magic == 0x4D3CB2A1;
        } else {
            throw new IllegalArgumentException(name + ": not a pcap file");
        }
        int link = b.getInt(20);
        List<Packet> out = new ArrayList<>();
        int p = 24;
        while (p < bytes.length) {
            if (p + 16 > bytes.length) {
                throw new IllegalArgumentException(name + ": truncated record header at " + p);
            }
            long sec = b.getInt(p) & 0xFFFFFFFFL;
            long frac = b.getInt(p + 4) & 0xFFFFFFFFL;
            int cap = b.getInt(p + 8);
            long orig = b.getInt(p + 12) & 0xFFFFFFFFL;
            if (p + 16 + cap > bytes.length) {
                throw new IllegalArgumentException(name + ": truncated record at " + p);
            }
            out.add(new Packet(sec, nano ? frac : frac * 1000, cap, orig, link,
                    Arrays.copyOfRange(bytes, p + 16, p + 16 + cap)));
            p += 16 + cap;
        }
        return out;
    }

    /** Every record of the files of {@code dir} whose names start with {@code prefix + "_"}, files in name order. */
    static List<Packet> readSeries(Path dir, String prefix) throws IOException {
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().startsWith(prefix + "_")).sorted().toList();
        }
        List<Packet> out = new ArrayList<>();
        for (Path f : files) {
            out.addAll(read(f));
        }
        return out;
    }
}
