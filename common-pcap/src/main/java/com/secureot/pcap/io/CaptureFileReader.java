package com.secureot.pcap.io;

import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.packet.PacketHandler;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a pcap (either byte order, micro- or nanosecond) or pcapng file in pure Java, without
 * libpcap: replaying a file costs a copy per packet, not a JNA call. pcapng interfaces may have
 * different link types and timestamp resolutions; each packet carries its own.
 */
public final class CaptureFileReader implements Closeable {
    private static final int PCAPNG_SHB = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    /** A record or block claiming more than this is corruption, not a packet. */
    private static final int MAX_RECORD = 16 << 20;

    private final ReadableByteChannel in;
    private final String name;
    // Direct: reading into a heap buffer, the JDK reads into a direct one and copies.
    private ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
    private long consumed;
    private boolean eof;
    private String warning;

    private CaptureFileReader(ReadableByteChannel in, String name) {
        this.in = in;
        this.name = name;
        buf.limit(0);
    }

    public static CaptureFileReader open(Path file) throws IOException {
        return new CaptureFileReader(FileChannel.open(file, StandardOpenOption.READ), file.toString());
    }

    public static CaptureFileReader of(ReadableByteChannel in, String name) {
        return new CaptureFileReader(in, name);
    }

    /** A note about the end of the file (cut short), or null when it ended cleanly. */
    public String warning() {
        return warning;
    }

    /**
     * Reads every packet into {@code handler}; returns the number of packets.
     *
     * @throws CaptureFormatException when the file is not pcap/pcapng or is corrupt
     */
    public long readAll(PacketHandler handler) throws IOException, InterruptedException {
        if (!fill(4)) {
            throw new CaptureFormatException(name + ": empty file, not a pcap or pcapng capture");
        }
        int magicBe = buf.order(ByteOrder.BIG_ENDIAN).getInt(buf.position());
        if (magicBe == PCAPNG_SHB) {
            return readPcapng(handler);
        }
        return readPcap(handler, magicBe);
    }

    private long readPcap(PacketHandler handler, int magicBe) throws IOException, InterruptedException {
        ByteOrder order;
        boolean nano;
        if (magicBe == PcapFormat.MAGIC_MICRO || magicBe == PcapFormat.MAGIC_NANO) {
            order = ByteOrder.BIG_ENDIAN;
            nano = magicBe == PcapFormat.MAGIC_NANO;
        } else if (Integer.reverseBytes(magicBe) == PcapFormat.MAGIC_MICRO
                || Integer.reverseBytes(magicBe) == PcapFormat.MAGIC_NANO) {
            order = ByteOrder.LITTLE_ENDIAN;
            nano = Integer.reverseBytes(magicBe) == PcapFormat.MAGIC_NANO;
        } else {
            throw new CaptureFormatException(String.format("%s: not a pcap or pcapng file (magic %08x)", name, magicBe));
        }
        if (!fill(PcapFormat.GLOBAL_HEADER_BYTES)) {
            throw new CaptureFormatException(name + ": pcap global header cut short");
        }
        buf.order(order);
        int p = buf.position();
        int snaplen = buf.getInt(p + 16);
        long linkField = buf.getInt(p + 20) & 0xFFFFFFFFL;
        if (!LinkTypes.isKnown(linkField)) {
            throw new CaptureFormatException(name + ": link type " + linkField + " is reserved or unknown: files of it "
                    + "could not be read (tshark, capinfos)");
        }
        int linkType = (int) (linkField & 0xFFFF); // without the FCS bits, which the store does not carry
        skip(PcapFormat.GLOBAL_HEADER_BYTES);
        long packets = 0;
        while (fill(PcapFormat.RECORD_HEADER_BYTES)) {
            p = buf.position();
            long sec = buf.getInt(p) & 0xFFFFFFFFL;
            int frac = buf.getInt(p + 4);
            int capLen = buf.getInt(p + 8);
            int origLen = buf.getInt(p + 12);
            if (capLen < 0 || capLen > MAX_RECORD) {
                throw new CaptureFormatException(name + ": record " + (packets + 1) + " at byte " + consumed
                        + " claims " + Integer.toUnsignedString(capLen) + " bytes; the file is corrupt");
            }
            if (!fill(PcapFormat.RECORD_HEADER_BYTES + capLen)) {
                warning = name + ": last record cut short at byte " + consumed + " (file truncated?)";
                break;
            }
            p = buf.position(); // fill() may have moved the record to the start of the buffer
            // The fraction goes on in the file's unit, as it came (an out-of-range one included).
            handler.packet(buf, p + PcapFormat.RECORD_HEADER_BYTES, capLen, origLen, linkType, sec, frac, nano,
                    snaplen);
            skip(PcapFormat.RECORD_HEADER_BYTES + capLen);
            packets++;
        }
        if (warning == null && buf.hasRemaining()) {
            warning = name + ": " + buf.remaining() + " stray bytes after the last record";
        }
        return packets;
    }

    private long readPcapng(PacketHandler handler) throws IOException, InterruptedException {
        ByteOrder order = ByteOrder.BIG_ENDIAN;
        int[] ifLink = new int[0];
        int[] ifSnap = new int[0];
        long[] ifUnits = new long[0];
        long packets = 0;
        while (fill(12)) {
            int p = buf.position();
            int type = buf.order(order).getInt(p);
            if (type == PCAPNG_SHB) {
                int bom = buf.getInt(p + 8);
                if (bom == PCAPNG_BYTE_ORDER_MAGIC) {
                    // order stays
                } else if (Integer.reverseBytes(bom) == PCAPNG_BYTE_ORDER_MAGIC) {
                    order = order == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                } else {
                    throw new CaptureFormatException(name + ": pcapng section header with bad byte-order magic at byte " + consumed);
                }
                buf.order(order);
                ifLink = new int[0];
                ifSnap = new int[0];
                ifUnits = new long[0];
            }
            int total = buf.getInt(p + 4);
            if (total < 12 || total > MAX_RECORD || (total & 3) != 0) {
                throw new CaptureFormatException(name + ": pcapng block at byte " + consumed + " has bad length " + total);
            }
            if (!fill(total)) {
                warning = name + ": last pcapng block cut short at byte " + consumed + " (file truncated?)";
                break;
            }
            p = buf.position(); // fill() may have moved the block to the start of the buffer
            switch (type) {
                case 1 -> { // Interface Description Block
                    int n = ifLink.length;
                    ifLink = java.util.Arrays.copyOf(ifLink, n + 1);
                    ifSnap = java.util.Arrays.copyOf(ifSnap, n + 1);
                    ifUnits = java.util.Arrays.copyOf(ifUnits, n + 1);
                    ifLink[n] = buf.getShort(p + 8) & 0xFFFF;
                    if (!LinkTypes.isKnown(ifLink[n])) {
                        throw new CaptureFormatException(name + ": interface " + n + " at byte " + consumed
                                + " has link type " + ifLink[n] + ", which is reserved or unknown");
                    }
                    ifSnap[n] = buf.getInt(p + 12);
                    ifUnits[n] = tsUnits(p + 16, p + total - 4);
                }
                case 6, 2 -> { // Enhanced Packet Block, or the obsolete Packet Block (16-bit interface id)
                    int itf = type == 6 ? buf.getInt(p + 8) : buf.getShort(p + 8) & 0xFFFF;
                    if (itf < 0 || itf >= ifLink.length) {
                        throw new CaptureFormatException(name + ": packet at byte " + consumed + " names interface " + itf + " which is not described");
                    }
                    long ts = ((buf.getInt(p + 12) & 0xFFFFFFFFL) << 32) | (buf.getInt(p + 16) & 0xFFFFFFFFL);
                    int capLen = buf.getInt(p + 20);
                    int origLen = buf.getInt(p + 24);
                    if (capLen < 0 || 28 + capLen > total - 4) {
                        throw new CaptureFormatException(name + ": packet at byte " + consumed + " claims " + capLen + " bytes in a " + total + "-byte block");
                    }
                    long units = ifUnits[itf];
                    handler.packet(buf, p + 28, capLen, origLen, ifLink[itf], seconds(ts, units), fraction(ts, units),
                            units != 1_000_000L, ifSnap[itf]);
                    packets++;
                }
                case 3 -> { // Simple Packet Block: no timestamp, interface 0
                    if (ifLink.length == 0) {
                        throw new CaptureFormatException(name + ": simple packet at byte " + consumed + " before any interface");
                    }
                    int origLen = buf.getInt(p + 8);
                    int capLen = Math.min(origLen, total - 16);
                    if (ifSnap[0] > 0) {
                        capLen = Math.min(capLen, ifSnap[0]);
                    }
                    handler.packet(buf, p + 12, capLen, origLen, ifLink[0], 0, 0, ifUnits[0] != 1_000_000L, ifSnap[0]);
                    packets++;
                }
                default -> {
                    // Name resolution, statistics, custom blocks...: nothing to store.
                }
            }
            skip(total);
        }
        return packets;
    }

    /** Units per second from the IDB option if_tsresol (code 9), default 10^6. */
    private long tsUnits(int from, int to) {
        int q = from;
        while (q + 4 <= to) {
            int code = buf.getShort(q) & 0xFFFF;
            int len = buf.getShort(q + 2) & 0xFFFF;
            if (code == 0) {
                break;
            }
            if (code == 9 && len >= 1) {
                int v = buf.get(q + 4) & 0xFF;
                int exp = v & 0x7F;
                if ((v & 0x80) != 0) {
                    return exp >= 62 ? Long.MAX_VALUE : 1L << exp;
                }
                long u = 1;
                for (int i = 0; i < Math.min(exp, 18); i++) {
                    u *= 10;
                }
                return u;
            }
            q += 4 + ((len + 3) & ~3);
        }
        return 1_000_000L;
    }

    private static long seconds(long ts, long units) {
        return Long.divideUnsigned(ts, units);
    }

    /** The fraction in microseconds for a microsecond interface (units 10^6), else in nanoseconds. */
    private static int fraction(long ts, long units) {
        long frac = Long.remainderUnsigned(ts, units);
        if (units == 1_000_000_000L || units == 1_000_000L) {
            return (int) frac;
        }
        if (units < 1_000_000_000L && 1_000_000_000L % units == 0) {
            return (int) (frac * (1_000_000_000L / units));
        }
        return (int) Math.min(999_999_999L, (long) ((double) frac * 1e9 / (double) units));
    }

    /** Makes {@code n} bytes available from the position; false at end of file. */
    private boolean fill(int n) throws IOException {
        if (buf.remaining() >= n) {
            return true;
        }
        if (eof) {
            return false;
        }
        if (n > buf.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(n, buf.capacity() * 2)).order(buf.order());
            bigger.put(buf);
            bigger.flip();
            buf = bigger;
        }
        buf.compact();
        while (buf.position() < n) {
            int r = in.read(buf);
            if (r < 0) {
                eof = true;
                break;
            }
        }
        buf.flip();
        return buf.remaining() >= n;
    }

    private void skip(int n) {
        buf.position(buf.position() + n);
        consumed += n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
