package com.secureot.remote.ingest;

import io.netty.buffer.ByteBuf;

/**
 * One stream format of a TCP connection, chosen by {@link StreamFormats} from the first bytes.
 * It turns bytes into records for its {@link RecordSink}; the connection ({@link TcpSession})
 * owns the socket, the deadlines and the back-pressure, and hands it bytes as they arrive. Runs on
 * the connection's event loop only; a format that answers its peer (acknowledgements) writes
 * through {@link TcpSession#write}.
 */
interface StreamHandler extends AutoCloseable {
    /**
     * Consumes what it can of {@code in}.
     *
     * @param cutAtBoundary true to stop at the next record boundary (shutdown past its grace period)
     * @return false when it stopped because the sink had no room: the rest stays in {@code in}
     */
    boolean read(ByteBuf in, boolean cutAtBoundary) throws StreamRejected;

    /**
     * The peer ended the stream. Throws when it ended inside an item.
     *
     * @return false when the last record found no room yet (called again later)
     */
    boolean end() throws StreamRejected;

    /** True when no byte of the next item has arrived: the stream may end or pause here. */
    boolean atBoundary();

    /** Items completed so far: a connection making no progress inside an item is closed. */
    long items();

    /** The item being received, for the log line of a connection closed inside it: {@code record #12}. */
    String inProgress();

    /** True once the stream showed a valid start: the connection is no longer evicted for a newcomer. */
    boolean identified();

    /** Releases its buffers. Safe to call twice. */
    @Override
    void close();
}
