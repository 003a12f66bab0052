package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.config.LegacyRawConfig;
import com.secureot.pcap.wire.Sot2;
import com.secureot.remote.sot2.Sot2Streams;
import io.netty.buffer.ByteBuf;

import java.time.Clock;

/**
 * The one place where a TCP stream's format is chosen from its first bytes: a pcap magic starts a
 * PCAP-over-IP stream, "SOT2" an acknowledged stream, a pcapng magic is refused, anything else is one legacy raw frame (when
 * {@code legacy_raw.enable}). A new format (its own magic) is one more branch here returning its
 * {@link StreamHandler}; TLS is below this (the bytes here are the decrypted stream), so every
 * format works on both ports.
 */
final class StreamFormats {
    /** Bytes the choice looks at; fewer only when the stream ends first. */
    static final int DETECT_BYTES = 4;
    private static final int PCAPNG_MAGIC = 0x0A0D0D0A;

    private final int maxSnaplen;
    private final LegacyRawConfig legacy;
    private final Clock clock;
    /** The SOT2 streams' state, and the writer threads a barrier passes; null: SOT2 not served. */
    private final Sot2Streams sot2;
    private final int writers;

    StreamFormats(int maxSnaplen, LegacyRawConfig legacy, Clock clock, Sot2Streams sot2, int writers) {
        this.maxSnaplen = maxSnaplen;
        this.legacy = legacy;
        this.clock = clock;
        this.sot2 = sot2;
        this.writers = writers;
    }

    /**
     * The handler for a stream starting with {@code first} (not consumed; {@link #DETECT_BYTES}
     * readable, or fewer at the end of the stream), writing its records to {@code session}.
     */
    StreamHandler detect(ByteBuf first, TcpSession session) throws StreamRejected {
        if (session.unverified()) {
            throw new StreamRejected(RejectReason.TLS_FAILED, "stream bytes before the client certificate was verified");
        }
        int n = Math.min(DETECT_BYTES, first.readableBytes());
        int magic = n == DETECT_BYTES ? first.getInt(first.readerIndex()) : 0;
        if (n == DETECT_BYTES && PcapStreamDecoder.isPcapMagic(magic)) {
            return new PcapStreamDecoder(session, maxSnaplen);
        }
        if (n == DETECT_BYTES && magic == Sot2.MAGIC && sot2 != null) {
            return new Sot2StreamHandler(session, sot2, writers, maxSnaplen);
        }
        if (n == DETECT_BYTES && magic == PCAPNG_MAGIC) {
            throw new StreamRejected(RejectReason.NOT_PCAP,
                    "pcapng stream; only pcap (PCAP-over-IP, e.g. tcpdump -w -) is accepted");
        }
        if (!legacy.enable()) {
            throw new StreamRejected(RejectReason.NOT_PCAP, "first bytes " + hex(first, n)
                    + " are not a pcap magic, and legacy raw frames are off (legacy_raw.enable: false)");
        }
        return new LegacyFrameHandler(session, legacy, clock.instant());
    }

    private static String hex(ByteBuf b, int n) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", b.getUnsignedByte(b.readerIndex() + i)));
        }
        return sb.toString();
    }
}
