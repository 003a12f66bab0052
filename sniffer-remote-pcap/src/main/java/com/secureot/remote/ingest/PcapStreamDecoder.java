package com.secureot.remote.ingest;

import com.secureot.pcap.io.PcapFileWriter;
import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.metrics.RejectReason;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * Decodes a PCAP-over-IP stream: a pcap global header in either byte order, micro- or
 * nanosecond, then records to the end of the stream (a further global header in between starts
 * a new capture on the same stream). A reserved or unknown link type refuses the stream: its files
 * could not be read. Each record is checked before its bytes are
 * read, so a hostile length costs nothing: a record larger than {@code limits.max_snaplen}, or
 * than the stream's own snaplen plus {@link #SNAPLEN_SLACK}, closes the stream. Records complete
 * before a problem are kept.
 */
final class PcapStreamDecoder {
    /** Some writers put a snaplen smaller than the records they write (VLAN tags, FCS): tolerate a little. */
    static final int SNAPLEN_SLACK = 4096;
    private static final int MAGIC_MICRO_SWAPPED = Integer.reverseBytes(PcapFormat.MAGIC_MICRO);
    private static final int MAGIC_NANO_SWAPPED = Integer.reverseBytes(PcapFormat.MAGIC_NANO);

    private final ConnectionInput in;
    private final RecordSink sink;
    private final int maxSnaplen;
    /** True when the stream must end at the next record boundary even though data keeps coming. */
    private final BooleanSupplier stopping;
    private final byte[] header = new byte[PcapFormat.RECORD_HEADER_BYTES];
    private byte[] data = new byte[2048];
    private long records;
    // The current global header's: a stream may carry a second one (see secondHeader).
    private boolean little;
    private boolean nano;
    private long snaplen;
    private int linkType;
    private long limit;
    private int fileSnaplen;

    PcapStreamDecoder(ConnectionInput in, RecordSink sink, int maxSnaplen, BooleanSupplier stopping) {
        this.in = in;
        this.sink = sink;
        this.maxSnaplen = maxSnaplen;
        this.stopping = stopping;
    }

    /** True when the first four bytes (as read, big-endian) are a pcap magic in either byte order. */
    static boolean isPcapMagic(int first4) {
        return first4 == PcapFormat.MAGIC_MICRO || first4 == PcapFormat.MAGIC_NANO
                || first4 == MAGIC_MICRO_SWAPPED || first4 == MAGIC_NANO_SWAPPED;
    }

    long records() {
        return records;
    }

    /**
     * Reads the rest of the global header (its first four bytes are in {@code magic}) and every
     * record; returns at the end of the stream or when stopping at a record boundary.
     */
    void run(byte[] magic) throws IOException, StreamRejected, InterruptedException {
        byte[] g = new byte[PcapFormat.GLOBAL_HEADER_BYTES];
        System.arraycopy(magic, 0, g, 0, 4);
        int got = 4 + in.read(g, 4, g.length - 4, false);
        if (got < g.length) {
            throw new StreamRejected(RejectReason.TRUNCATED_HEADER,
                    "pcap global header cut after " + got + " of " + g.length + " bytes");
        }
        header(g, "pcap");
        while (!stopping.getAsBoolean()) {
            int h = in.read(header, 0, header.length, true);
            if (h == 0) {
                return;
            }
            long number = records + 1;
            if (h < header.length) {
                throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "stream ended inside the header of record #"
                        + number + " (" + h + " of " + header.length + " bytes); " + records + " records stored");
            }
            if (isPcapMagic(be32(header, 0)) && u16(header, 4, isLittle(be32(header, 0))) == PcapFormat.VERSION_MAJOR) {
                secondHeader(number);
                continue;
            }
            long sec = u32(header, 0, little);
            long frac = u32(header, 4, little);
            long capLen = u32(header, 8, little);
            long origLen = u32(header, 12, little);
            if (capLen > limit) {
                throw new StreamRejected(RejectReason.RECORD_TOO_LARGE, "record #" + number + " claims " + capLen
                        + " bytes, over " + (limit == maxSnaplen ? "limits.max_snaplen " + maxSnaplen
                        : "the stream's snaplen " + snaplen) + "; " + records + " records stored");
            }
            // A fraction out of its range (>= 10^6 us or 10^9 ns) is stored as it came: the files
            // keep what the sender wrote. A microsecond one travels as nanoseconds in 32 bits,
            // which holds it up to PcapFileWriter.MAX_MICRO_FRACTION; beyond, it cannot be kept.
            if (!nano && frac > PcapFileWriter.MAX_MICRO_FRACTION) {
                throw new StreamRejected(RejectReason.BAD_RECORD, "record #" + number + " has a timestamp fraction of "
                        + frac + " us, which cannot be stored as it came (at most " + PcapFileWriter.MAX_MICRO_FRACTION
                        + "); " + records + " records stored");
            }
            int len = (int) capLen;
            // Most records sit whole in the connection's buffer: passed from there, not copied first.
            byte[] src = in.buffer();
            int at = in.takeBuffered(len);
            if (at < 0) {
                if (data.length < len) {
                    data = new byte[Math.max(len, Math.min(maxSnaplen, data.length * 2))];
                }
                int d = in.read(data, 0, len, false);
                if (d < len) {
                    throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "stream ended inside record #" + number
                            + " (" + d + " of " + len + " bytes); " + records + " records stored");
                }
                src = data;
                at = 0;
            }
            records++;
            sink.record(src, at, len, (int) origLen, linkType, sec, (int) (nano ? frac : frac * 1000), nano,
                    fileSnaplen);
        }
    }

    /**
     * Where a record header was due came a pcap global header (a magic, version 2): the sender
     * started a new capture on the same stream (tcpdump restarted behind a relay). It is read as
     * the header it is, not stored as a 0-byte record dated 2055, and the records after it follow
     * its byte order, resolution, snaplen and link type.
     */
    private void secondHeader(long number) throws IOException, StreamRejected, InterruptedException {
        byte[] g = new byte[PcapFormat.GLOBAL_HEADER_BYTES];
        System.arraycopy(header, 0, g, 0, header.length);
        int rest = PcapFormat.GLOBAL_HEADER_BYTES - header.length;
        int got = in.read(g, header.length, rest, false);
        if (got < rest) {
            throw new StreamRejected(RejectReason.TRUNCATED_HEADER, "second pcap global header (before record #"
                    + number + ") cut after " + (header.length + got) + " of " + g.length + " bytes; " + records
                    + " records stored");
        }
        header(g, "second pcap");
    }

    /** Reads a global header: byte order, resolution, snaplen, link type (refused when unknown or reserved). */
    private void header(byte[] g, String what) throws StreamRejected {
        int m = be32(g, 0);
        little = isLittle(m);
        nano = m == PcapFormat.MAGIC_NANO || m == MAGIC_NANO_SWAPPED;
        int major = u16(g, 4, little);
        int minor = u16(g, 6, little);
        if (major != PcapFormat.VERSION_MAJOR) {
            throw new StreamRejected(RejectReason.BAD_HEADER, what + " version " + major + "." + minor
                    + " is not supported (expected 2.x)");
        }
        snaplen = u32(g, 16, little);
        long link = u32(g, 20, little);
        if (!LinkTypes.isKnown(link)) {
            throw new StreamRejected(RejectReason.BAD_HEADER, what + " header has link type " + link
                    + (link > 0xFFFF ? String.format(" (0x%X)", link) : "")
                    + ", which is reserved or unknown: files of it could not be read (tshark, capinfos); "
                    + records + " records stored");
        }
        linkType = (int) link;
        limit = snaplen == 0 ? maxSnaplen : Math.min(maxSnaplen, snaplen + SNAPLEN_SLACK);
        fileSnaplen = snaplen == 0 || snaplen > Integer.MAX_VALUE ? maxSnaplen : (int) snaplen;
    }

    private static boolean isLittle(int magicAsRead) {
        return magicAsRead == MAGIC_MICRO_SWAPPED || magicAsRead == MAGIC_NANO_SWAPPED;
    }

    static int be32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    private static long u32(byte[] b, int off, boolean little) {
        int v = be32(b, off);
        return (little ? Integer.reverseBytes(v) : v) & 0xFFFFFFFFL;
    }

    private static int u16(byte[] b, int off, boolean little) {
        return little ? (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8) : ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }
}
