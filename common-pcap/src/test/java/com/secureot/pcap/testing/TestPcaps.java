package com.secureot.pcap.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Builds frames and capture files in test code, and reads classic pcap files back without the
 * project's own reader, so that a test compares the project's output with an independent view.
 */
public final class TestPcaps {
    /**
     * Skips the calling test when the optional real captures are not there ({@code missing} says
     * what is not), and says so where Maven's output shows it, not only in the report (README.md,
     * "Test it").
     */
    public static void assumeRealCaptures(boolean available, String missing) {
        if (!available) {
            System.err.println("SKIPPED: the tests on real industrial captures: " + missing
                    + " (put them there, or pass -Dshared.pcaps=DIR; README.md, \"Test it\")");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(available,
                missing + " (optional real captures: -Dshared.pcaps=DIR, README.md \"Test it\")");
    }

    public static final int ETHERNET = 1;
    public static final int SLL = 113;
    public static final int SLL2 = 276;
    public static final int RAW = 101;
    public static final int NULL = 0;
    public static final int LOOP = 108;

    private static final byte[] MAC_A = {0x02, 0, 0, 0, 0, 0x0a};
    private static final byte[] MAC_B = {0x02, 0, 0, 0, 0, 0x0b};

    private TestPcaps() {
    }

    /** One captured packet as a pcap file holds it. */
    public record Packet(int linkType, long sec, int nanos, int origLen, byte[] data) {
        public Packet {
            if (origLen < data.length) {
                throw new IllegalArgumentException("origLen " + origLen + " < capLen " + data.length);
            }
        }

        public static Packet of(long sec, int nanos, byte[] data) {
            return new Packet(ETHERNET, sec, nanos, data.length, data);
        }

        /** This packet at another second. */
        public Packet withSecond(long second) {
            return new Packet(linkType, second, nanos, origLen, data);
        }

        /** The sub-second field a file of this precision holds for it (what sources hand on). */
        public int fraction(boolean nano) {
            return nano ? nanos : nanos / 1000;
        }

        /** This packet with its timestamp cut to microseconds, as a microsecond file stores it. */
        public Packet micro() {
            return new Packet(linkType, sec, nanos / 1000 * 1000, origLen, data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Packet p && p.linkType == linkType && p.sec == sec && p.nanos == nanos
                    && p.origLen == origLen && Arrays.equals(p.data, data);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(sec) * 31 + nanos * 17 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            String hex = HexFormat.of().formatHex(data, 0, Math.min(data.length, 48));
            return "Packet[link " + linkType + ", " + sec + "." + String.format("%09d", nanos) + ", "
                    + data.length + "/" + origLen + " bytes, " + hex + (data.length > 48 ? "...]" : "]");
        }
    }

    /** What a classic pcap file holds. */
    public record PcapFile(boolean nano, int linkType, int snaplen, ByteOrder order, List<Packet> packets) {
    }

    // ---- frames ----------------------------------------------------------------------------

    public static byte[] ethernet(int etherType, byte[] payload) {
        return ByteBuffer.allocate(14 + payload.length).put(MAC_B).put(MAC_A).putShort((short) etherType)
                .put(payload).array();
    }

    /** Ethernet with VLAN tags: each tag is {tpid, vid}, outermost first. */
    public static byte[] ethernetTagged(int[][] tags, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + 4 * tags.length + payload.length).put(MAC_B).put(MAC_A);
        for (int[] t : tags) {
            b.putShort((short) t[0]).putShort((short) t[1]);
        }
        return b.putShort((short) etherType).put(payload).array();
    }

    /** An IPv4 packet (header checksum left 0: nothing here checks it) carrying UDP-like bytes. */
    public static byte[] ipv4(String src, String dst, byte[] payload) {
        return ipv4WithOptions(src, dst, new byte[0], payload);
    }

    /** An IPv4 packet with {@code options} (a multiple of 4 bytes) after the 20-byte header. */
    public static byte[] ipv4WithOptions(String src, String dst, byte[] options, byte[] payload) {
        int hl = 20 + options.length;
        return ByteBuffer.allocate(hl + payload.length)
                .put((byte) (0x40 | hl / 4)).put((byte) 0).putShort((short) (hl + payload.length))
                .putShort((short) 1).putShort((short) 0).put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(addr(src)).put(addr(dst)).put(options).put(payload).array();
    }

    public static byte[] ipv6(String src, String dst, byte[] payload) {
        return ByteBuffer.allocate(40 + payload.length).putInt(0x60000000).putShort((short) payload.length)
                .put((byte) 17).put((byte) 64).put(addr(src)).put(addr(dst)).put(payload).array();
    }

    public static byte[] ipv4Frame(String src, String dst, int payloadBytes) {
        return ethernet(0x0800, ipv4(src, dst, payload(payloadBytes, src.hashCode() ^ payloadBytes)));
    }

    public static byte[] ipv6Frame(String src, String dst, int payloadBytes) {
        return ethernet(0x86DD, ipv6(src, dst, payload(payloadBytes, dst.hashCode() ^ payloadBytes)));
    }

    public static byte[] arpFrame(String sender, String target) {
        byte[] arp = ByteBuffer.allocate(28).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                .putShort((short) 1).put(MAC_A).put(addr(sender)).put(new byte[6]).put(addr(target)).array();
        return ethernet(0x0806, arp);
    }

    /** A PROFINET RT frame (EtherType 0x8892), as a PLC sends cyclically. */
    public static byte[] profinetFrame(int frameId) {
        byte[] rt = ByteBuffer.allocate(44).putShort((short) frameId).put(payload(38, frameId))
                .putShort((short) 0x3500).put((byte) 0x35).put((byte) 0).array();
        return ethernet(0x8892, rt);
    }

    /** An LLDP frame (EtherType 0x88CC) with chassis, port and TTL TLVs. */
    public static byte[] lldpFrame() {
        byte[] tlvs = {0x02, 0x07, 0x04, 0x02, 0, 0, 0, 0, 0x0a, 0x04, 0x03, 0x05, 'p', '1', 0x06, 0x02, 0, 120, 0, 0};
        return ethernet(0x88CC, tlvs);
    }

    /** Deterministic filler bytes. */
    public static byte[] payload(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static byte[] addr(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---- traffic ---------------------------------------------------------------------------

    /**
     * Two hours of traffic from {@code startSec} with nanosecond timestamps: three hosts talking
     * IPv4 and IPv6, VLAN-tagged frames, and ARP, PROFINET and LLDP frames; one frame in 50 is cut
     * to 60 bytes (orig_len kept).
     */
    public static List<Packet> mixedTraffic(long startSec, int count, long seed) {
        Random r = new Random(seed);
        String[] v4 = {"10.1.0.1", "10.1.0.2", "192.168.7.3"};
        String[] v6 = {"fd00::1", "fd00::2", "fd00:7::3"};
        List<Packet> out = new ArrayList<>(count);
        long spanNanos = 2 * 3600 * 1_000_000_000L;
        for (int i = 0; i < count; i++) {
            long t = startSec * 1_000_000_000L + spanNanos * i / count + r.nextInt(1000);
            int a = r.nextInt(3);
            int b = (a + 1 + r.nextInt(2)) % 3;
            int size = 20 + r.nextInt(400);
            byte[] frame = switch (i % 10) {
                case 0, 1, 2, 3 -> ipv4Frame(v4[a], v4[b], size);
                case 4, 5 -> ipv6Frame(v6[a], v6[b], size);
                case 6 -> ethernetTagged(new int[][] {{0x8100, 10 + a}}, 0x0800,
                        ipv4(v4[a], v4[b], payload(size, i)));
                case 7 -> ethernetTagged(new int[][] {{0x88A8, 100}, {0x8100, 20 + b}}, 0x86DD,
                        ipv6(v6[a], v6[b], payload(size, i)));
                case 8 -> profinetFrame(0x8000 + a);
                default -> r.nextBoolean() ? arpFrame(v4[a], v4[b]) : lldpFrame();
            };
            int orig = frame.length;
            if (i % 50 == 49 && frame.length > 60) {
                frame = Arrays.copyOf(frame, 60);
            }
            out.add(new Packet(ETHERNET, Math.floorDiv(t, 1_000_000_000L), (int) Math.floorMod(t, 1_000_000_000L),
                    orig, frame));
        }
        return out;
    }

    // ---- writing ---------------------------------------------------------------------------

    public static byte[] pcap(List<Packet> packets, boolean nano, ByteOrder order, int linkType, int snaplen) {
        int size = 24;
        for (Packet p : packets) {
            size += 16 + p.data().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(nano ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(snaplen).putInt(linkType);
        for (Packet p : packets) {
            b.putInt((int) p.sec()).putInt(nano ? p.nanos() : p.nanos() / 1000).putInt(p.data().length)
                    .putInt(p.origLen()).put(p.data());
        }
        return b.array();
    }

    public static Path writePcap(Path file, List<Packet> packets, boolean nano) throws IOException {
        int link = packets.isEmpty() ? ETHERNET : packets.get(0).linkType();
        Files.write(file, pcap(packets, nano, ByteOrder.LITTLE_ENDIAN, link, 262144));
        return file;
    }

    /**
     * Sub-second fields at the edge of and beyond their range (issue 16): the largest in-range
     * microsecond one, the first out of range, the largest whose nanosecond value fits 32 bits,
     * the first that does not, and the largest a record can hold.
     */
    public static final int[] ODD_FRACTIONS = {999_999, 1_000_000, 4_294_967, 4_294_968, 0xFFFFFFFF};

    /**
     * A little-endian Ethernet pcap (snaplen 65535) of one UDP frame 10.16.0.1 -> 10.16.0.2 per
     * {@link #ODD_FRACTIONS} entry, each with its own payload, one second apart within one hour,
     * its sub-second field written as it is (in microseconds or nanoseconds per {@code nano}).
     */
    public static byte[] oddFractions(boolean nano) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(nano ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(65535).putInt(ETHERNET);
        out.writeBytes(h.array());
        for (int i = 0; i < ODD_FRACTIONS.length; i++) {
            byte[] frame = ethernet(0x0800, ipv4("10.16.0.1", "10.16.0.2", payload(40 + i, 1600 + i)));
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(1_700_000_000 + i).putInt(ODD_FRACTIONS[i]).putInt(frame.length).putInt(frame.length);
            out.writeBytes(r.array());
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    /**
     * The records of a classic pcap file as they are in it (16-byte header and data each),
     * whatever the timestamps hold: tshark and this class's {@link #read} may not take odd ones.
     */
    public static List<byte[]> records(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xA1B2C3D4 && b.getInt(0) != 0xA1B23C4D) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        List<byte[]> out = new ArrayList<>();
        int p = 24;
        while (p + 16 <= file.length) {
            int cap = b.getInt(p + 8);
            if (cap < 0 || p + 16 + cap > file.length) {
                throw new AssertionError("record at byte " + p + " cut short");
            }
            out.add(Arrays.copyOfRange(file, p, p + 16 + cap));
            p += 16 + cap;
        }
        if (p != file.length) {
            throw new AssertionError((file.length - p) + " stray bytes after the last record");
        }
        return out;
    }

    /** The records of every .pcap file under {@code dir}, as hex, sorted (files and parts in any order). */
    public static List<String> recordsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".pcap")).toList()) {
                for (byte[] r : records(Files.readAllBytes(f))) {
                    out.add(HexFormat.of().formatHex(r));
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** {@link #records} of {@code file} as {@link #recordsUnder} lists them. */
    public static List<String> sortedRecords(byte[] file) {
        List<String> out = new ArrayList<>();
        for (byte[] r : records(file)) {
            out.add(HexFormat.of().formatHex(r));
        }
        out.sort(null);
        return out;
    }

    /** Whether a file under {@code dir} is a nanosecond pcap (else microsecond); fails on a mix. */
    public static boolean nanoUnder(Path dir) throws IOException {
        Boolean nano = null;
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".pcap")).toList()) {
                byte[] head = Arrays.copyOf(Files.readAllBytes(f), 4);
                boolean n = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == 0xA1B23C4D;
                if (nano != null && nano != n) {
                    throw new AssertionError(dir + " holds both micro- and nanosecond files");
                }
                nano = n;
            }
        }
        if (nano == null) {
            throw new AssertionError("no .pcap file under " + dir);
        }
        return nano;
    }

    /** One pcapng interface: its link type and if_tsresol exponent of ten (6 = µs, 9 = ns). */
    public record Interface(int linkType, int snaplen, int tsresolPow10) {
    }

    /**
     * A pcapng section with {@code interfaces}; each packet names its interface by the index of
     * the first interface with the packet's link type.
     */
    public static byte[] pcapng(List<Interface> interfaces, List<Packet> packets, ByteOrder order) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(block(order, 0x0A0D0D0A, ByteBuffer.allocate(16).order(order).putInt(0x1A2B3C4D)
                .putShort((short) 1).putShort((short) 0).putLong(-1).array()));
        for (Interface itf : interfaces) {
            ByteBuffer body = ByteBuffer.allocate(8 + 8 + 4).order(order);
            body.putShort((short) itf.linkType()).putShort((short) 0).putInt(itf.snaplen());
            body.putShort((short) 9).putShort((short) 1).put((byte) itf.tsresolPow10()).put(new byte[3]);
            body.putShort((short) 0).putShort((short) 0);
            out.writeBytes(block(order, 1, body.array()));
        }
        for (Packet p : packets) {
            int itf = -1;
            for (int i = 0; i < interfaces.size(); i++) {
                if (interfaces.get(i).linkType() == p.linkType()) {
                    itf = i;
                    break;
                }
            }
            if (itf < 0) {
                throw new IllegalArgumentException("no interface with link type " + p.linkType());
            }
            long units = 1;
            for (int k = 0; k < interfaces.get(itf).tsresolPow10(); k++) {
                units *= 10;
            }
            long ts = p.sec() * units + p.nanos() / (1_000_000_000L / units);
            int padded = (p.data().length + 3) & ~3;
            ByteBuffer body = ByteBuffer.allocate(20 + padded).order(order);
            body.putInt(itf).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(p.data().length).putInt(p.origLen())
                    .put(p.data());
            out.writeBytes(block(order, 6, body.array()));
        }
        return out.toByteArray();
    }

    private static byte[] block(ByteOrder order, int type, byte[] body) {
        int total = 12 + body.length;
        return ByteBuffer.allocate(total).order(order).putInt(type).putInt(total).put(body).putInt(total).array();
    }

    // ---- reading (independent of the project's reader) -------------------------------------

    /** Reads a classic pcap file strictly: a cut-short record is an error. */
    /**
     * Every packet equal (bytes, timestamp, orig_len, link type), in order, and as many: reports
     * the first difference rather than two whole lists.
     */
    public static void assertSamePackets(List<Packet> expected, List<Packet> actual, String what) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertEquals(expected.get(i), actual.get(i), what + ": packet " + i);
        }
        assertEquals(expected.size(), actual.size(), what + ": packet count");
    }

    public static PcapFile read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    public static PcapFile read(byte[] bytes, String name) {
        if (bytes.length < 24) {
            throw new AssertionError(name + ": " + bytes.length + " bytes, shorter than a pcap header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            throw new AssertionError(name + ": not a classic pcap file");
        }
        boolean nano = magic == 0xA1B23C4D;
        int snaplen = b.getInt(16);
        int link = b.getInt(20);
        List<Packet> packets = new ArrayList<>();
        int p = 24;
        while (p < bytes.length) {
            if (p + 16 > bytes.length) {
                throw new AssertionError(name + ": record header cut short at byte " + p);
            }
            long sec = b.getInt(p) & 0xFFFFFFFFL;
            int frac = b.getInt(p + 4);
            int cap = b.getInt(p + 8);
            int orig = b.getInt(p + 12);
            if (cap < 0 || p + 16 + cap > bytes.length) {
                throw new AssertionError(name + ": record at byte " + p + " cut short");
            }
            packets.add(new Packet(link, sec, nano ? frac : frac * 1000, orig,
                    Arrays.copyOfRange(bytes, p + 16, p + 16 + cap)));
            p += 16 + cap;
        }
        return new PcapFile(nano, link, snaplen, b.order(), packets);
    }
}
