package com.secureot.remote.ingest;

import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.metrics.RejectReason;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * Decodes a PCAP-over-IP stream: a pcap global header in either byte order, micro- or
 * nanosecond, then records to the end of the stream. Each record is checked before its bytes are
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
        int m = be32(g, 0);
        boolean little = m == MAGIC_MICRO_SWAPPED || m == MAGIC_NANO_SWAPPED;
        boolean nano = m == PcapFormat.MAGIC_NANO || m == MAGIC_NANO_SWAPPED;
        int major = u16(g, 4, little);
        int minor = u16(g, 6, little);
        if (major != PcapFormat.VERSION_MAJOR) {
            throw new StreamRejected(RejectReason.BAD_HEADER, "pcap version " + major + "." + minor
                    + " is not supported (expected 2.x)");
        }
        long snaplen = u32(g, 16, little);
        int linkType = (int) u32(g, 20, little);
        long limit = snaplen == 0 ? maxSnaplen : Math.min(maxSnaplen, snaplen + SNAPLEN_SLACK);
        int fileSnaplen = snaplen == 0 || snaplen > Integer.MAX_VALUE ? maxSnaplen : (int) snaplen;
        long fracLimit = nano ? 1_000_000_000L : 1_000_000L;
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
            long sec = u32(header, 0, little);
            long frac = u32(header, 4, little);
            long capLen = u32(header, 8, little);
            long origLen = u32(header, 12, little);
            if (capLen > limit) {
                throw new StreamRejected(RejectReason.RECORD_TOO_LARGE, "record #" + number + " claims " + capLen
                        + " bytes, over " + (limit == maxSnaplen ? "limits.max_snaplen " + maxSnaplen
                        : "the stream's snaplen " + snaplen) + "; " + records + " records stored");
            }
            if (frac >= fracLimit) {
                throw new StreamRejected(RejectReason.BAD_RECORD, "record #" + number + " has a timestamp fraction of "
                        + frac + " (expected below " + fracLimit + "); " + records + " records stored");
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
