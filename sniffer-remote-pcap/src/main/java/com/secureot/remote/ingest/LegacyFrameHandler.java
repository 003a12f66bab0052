package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.config.LegacyRawConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.time.Instant;

/**
 * The earlier forwarder's format: the whole connection is one frame, stamped when its first bytes
 * arrived and stored when the peer ends the connection. A frame over {@code
 * legacy_raw.max_frame_bytes} is refused before it is stored.
 */
final class LegacyFrameHandler implements StreamHandler {
    private final RecordSink sink;
    private final LegacyRawConfig legacy;
    private final Instant arrival;
    private ByteBuf frame;

    LegacyFrameHandler(RecordSink sink, LegacyRawConfig legacy, Instant arrival) {
        this.sink = sink;
        this.legacy = legacy;
        this.arrival = arrival;
        this.frame = Unpooled.buffer(Math.min(legacy.maxFrameBytes(), 2048), legacy.maxFrameBytes());
    }

    @Override
    public boolean read(ByteBuf in, boolean cutAtBoundary) throws StreamRejected {
        if (frame.writerIndex() + in.readableBytes() > legacy.maxFrameBytes()) {
            throw new StreamRejected(RejectReason.FRAME_TOO_LARGE, "legacy raw frame longer than "
                    + "legacy_raw.max_frame_bytes (" + legacy.maxFrameBytes() + "); nothing stored");
        }
        frame.writeBytes(in);
        return true;
    }

    @Override
    public boolean end() {
        int len = frame.writerIndex();
        if (!sink.room(len)) {
            return false;
        }
        sink.record(frame, 0, len, len, legacy.linkType(), arrival.getEpochSecond(), arrival.getNano(), true,
                legacy.maxFrameBytes());
        return true;
    }

    /** The frame is the whole connection: it is never complete before the peer ends it. */
    @Override
    public boolean atBoundary() {
        return false;
    }

    @Override
    public long items() {
        return 0;
    }

    @Override
    public String inProgress() {
        return "the legacy raw frame";
    }

    @Override
    public boolean identified() {
        return false;
    }

    @Override
    public void close() {
        if (frame != null) {
            frame.release();
            frame = null;
        }
    }
}
