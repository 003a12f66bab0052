package com.secureot.remote.ingest;

import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.metrics.RejectReason;
import com.secureot.pcap.packet.LinkTypes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Decodes a PCAP-over-IP stream: a pcap global header in either byte order, micro- or
 * nanosecond, then records to the end of the stream. Each record is checked before its bytes are
 * read, so a hostile length costs nothing: a record larger than {@code limits.max_snaplen}, or
 * than the stream's own snaplen plus {@link #SNAPLEN_SLACK}, closes the stream. Records complete
 * before a problem are kept.
 *
 * <p>Bytes are pushed in as they arrive ({@link #decode}), in pieces of any size: a record whole
 * in the piece goes from there to the sink without a copy; one cut by the end of a piece is
 * gathered in a buffer of its own until complete. The decoder does no I/O, so it is tested by
 * feeding it bytes.
 */
final class PcapStreamDecoder implements StreamHandler {
    /** Some writers put a snaplen smaller than the records they write (VLAN tags, FCS): tolerate a little. */
    static final int SNAPLEN_SLACK = 4096;
    private static final int SPILL_KEPT_BYTES = 16 << 10;
    private static final int MAGIC_MICRO_SWAPPED = Integer.reverseBytes(PcapFormat.MAGIC_MICRO);
    private static final int MAGIC_NANO_SWAPPED = Integer.reverseBytes(PcapFormat.MAGIC_NANO);

    private final RecordSink sink;
    private final int maxSnaplen;
    private final byte[] global = new byte[PcapFormat.GLOBAL_HEADER_BYTES];
    private final byte[] header = new byte[PcapFormat.RECORD_HEADER_BYTES];
    /** Bytes of {@link #global} or {@link #header} gathered so far, when the item was cut. */
    private int gathered;
    private boolean started;
    /** A second global header began where a record header was due (see {@link #read}); its rest is being gathered. */
    private boolean secondHeader;
    private boolean little;
    private boolean nano;
    private long snaplen;
    private long limit;
    private int fileSnaplen;
    private int linkType;
    /** The record whose header is read and checked, waiting for its data; -1 between records. */
    private int capLen = -1;
    private long origLen;
    private long sec;
    private long frac;
    /** Gathers the data of a record cut by the end of a piece; kept for the next one up to {@link #SPILL_KEPT_BYTES}. */
    private ByteBuf spill;
    private boolean spilling;
    private long records;

    PcapStreamDecoder(RecordSink sink, int maxSnaplen) {
        this.sink = sink;
        this.maxSnaplen = maxSnaplen;
    }

    /** True when the first four bytes (as read, big-endian) are a pcap magic in either byte order. */
    static boolean isPcapMagic(int first4) {
        return first4 == PcapFormat.MAGIC_MICRO || first4 == PcapFormat.MAGIC_NANO
                || first4 == MAGIC_MICRO_SWAPPED || first4 == MAGIC_NANO_SWAPPED;
    }

    @Override
    public long items() {
        return records;
    }

    @Override
    public String inProgress() {
        return started ? "record #" + (records + 1) : "the pcap global header";
    }

    /** True once the global header is read and accepted: the stream is a pcap stream. */
    @Override
    public boolean identified() {
        return started;
    }

    /** True when no byte of the next item (global header, record header or data) has arrived. */
    @Override
    public boolean atBoundary() {
        return gathered == 0 && capLen < 0 && started && !secondHeader;
    }

    /** Consumes every complete item of {@code in} and gathers the start of a cut one. */
    @Override
    public boolean read(ByteBuf in, boolean stopAtBoundary) throws StreamRejected {
        if (!started || secondHeader) {
            if (!gather(in, global)) {
                return true;
            }
            globalHeader(global, secondHeader ? "second pcap" : "pcap");
            secondHeader = false;
        }
        while (true) {
            if (capLen < 0) {
                if (stopAtBoundary) {
                    return true;
                }
                if (!gather(in, header)) {
                    return true;
                }
                if (isPcapMagic(be32(header, 0)) && u16(header, 4, isLittle(be32(header, 0))) == PcapFormat.VERSION_MAJOR) {
                    // Where a record header was due came a pcap global header: the sender started a
                    // new capture on the same stream (tcpdump restarted behind a relay). It is read as
                    // the header it is, not stored as a 0-byte record dated 2055, and the records
                    // after it follow its byte order, resolution, snaplen and link type.
                    System.arraycopy(header, 0, global, 0, header.length);
                    gathered = header.length;
                    secondHeader = true;
                    if (!gather(in, global)) {
                        return true;
                    }
                    globalHeader(global, "second pcap");
                    secondHeader = false;
                    continue;
                }
                recordHeader(header);
            }
            if (!spilling && in.readableBytes() >= capLen) {
                // The usual case: the record is whole in the piece, passed from there.
                if (!sink.room(capLen)) {
                    return false;
                }
                int at = in.readerIndex();
                in.skipBytes(capLen);
                emit(in, at);
                continue;
            }
            if (!spilling) {
                spilling = true;
                if (spill == null || spill.capacity() < capLen) {
                    release();
                    spill = Unpooled.buffer(Math.max(capLen, SPILL_KEPT_BYTES));
                }
                spill.clear();
            }
            int take = Math.min(in.readableBytes(), capLen - spill.writerIndex());
            in.readBytes(spill, take);
            if (spill.writerIndex() < capLen) {
                return true;
            }
            if (!sink.room(capLen)) {
                return false;
            }
            spilling = false;
            emit(spill, 0);
            if (spill.capacity() > SPILL_KEPT_BYTES) {
                release(); // a jumbo record's buffer is not kept for the connection's life
            }
        }
    }

    /** Copies bytes of a header into {@code into}; true when it is complete. */
    private boolean gather(ByteBuf in, byte[] into) {
        int take = Math.min(in.readableBytes(), into.length - gathered);
        in.readBytes(into, gathered, take);
        gathered += take;
        if (gathered < into.length) {
            return false;
        }
        gathered = 0;
        return true;
    }

    private void emit(ByteBuf src, int at) {
        int len = capLen;
        capLen = -1;
        records++;
        sink.record(src, at, len, (int) origLen, linkType, sec, (int) frac, nano, fileSnaplen);
    }

    /** The stream ended: a record or header cut by the end is refused, naming how far it got. */
    @Override
    public boolean end() throws StreamRejected {
        long number = records + 1;
        if (!started) {
            throw new StreamRejected(RejectReason.TRUNCATED_HEADER,
                    "pcap global header cut after " + gathered + " of " + global.length + " bytes");
        }
        if (secondHeader) {
            throw new StreamRejected(RejectReason.TRUNCATED_HEADER, "second pcap global header (before record #"
                    + number + ") cut after " + gathered + " of " + global.length + " bytes; " + records
                    + " records stored");
        }
        if (gathered > 0) {
            throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "stream ended inside the header of record #"
                    + number + " (" + gathered + " of " + header.length + " bytes); " + records + " records stored");
        }
        if (capLen >= 0) {
            int d = spilling ? spill.writerIndex() : 0;
            throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "stream ended inside record #" + number
                    + " (" + d + " of " + capLen + " bytes); " + records + " records stored");
        }
        return true;
    }

    /** Reads a global header: byte order, resolution, snaplen, link type (refused when unknown or reserved). */
    private void globalHeader(byte[] g, String what) throws StreamRejected {
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
        started = true;
    }

    private static boolean isLittle(int magicAsRead) {
        return magicAsRead == MAGIC_MICRO_SWAPPED || magicAsRead == MAGIC_NANO_SWAPPED;
    }

    private void recordHeader(byte[] h) throws StreamRejected {
        long number = records + 1;
        sec = u32(h, 0, little);
        frac = u32(h, 4, little);
        long len = u32(h, 8, little);
        origLen = u32(h, 12, little);
        if (len > limit) {
            throw new StreamRejected(RejectReason.RECORD_TOO_LARGE, "record #" + number + " claims " + len
                    + " bytes, over " + (limit == maxSnaplen ? "limits.max_snaplen " + maxSnaplen
                    : "the stream's snaplen " + snaplen) + "; " + records + " records stored");
        }
        // A fraction out of its range (>= 10^6 us or 10^9 ns) is stored as it came: the files
        // keep what the sender wrote (the fraction is carried in its own unit, see Timestamps).
        capLen = (int) len;
    }

    /** Releases the buffer of a cut record. Safe to call twice. */
    @Override
    public void close() {
        release();
    }

    private void release() {
        if (spill != null) {
            spill.release();
            spill = null;
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
