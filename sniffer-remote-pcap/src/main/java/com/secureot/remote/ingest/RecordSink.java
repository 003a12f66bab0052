package com.secureot.remote.ingest;

import io.netty.buffer.ByteBuf;

/**
 * Where a decoder puts each complete packet: the connection's publisher, or a test's list. Asked
 * for room first, so that a full queue stops the decoder (the connection stops reading), never
 * blocks the event loop.
 */
interface RecordSink {
    /** False when a record of {@code capLen} bytes cannot be taken now; the decoder stops and is called again. */
    boolean room(int capLen);

    /** Takes the record's bytes {@code src[index, index + capLen)}, after {@link #room} said yes. */
    void record(ByteBuf src, int index, int capLen, int origLen, int linkType, long sec, int fraction, boolean nano,
                int snaplen);
}
