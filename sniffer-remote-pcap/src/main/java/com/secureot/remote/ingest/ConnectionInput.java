package com.secureot.remote.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * The buffered input of one TCP connection. The socket has a short read timeout, so a read that
 * would block returns to {@link Waiter#waiting} now and then: the connection's thread hands its
 * pending packets to the writer, and decides on idle timeout and shutdown there. Before each read
 * from the socket, {@link Waiter#beforeRead} lets it do per-read rather than per-record work.
 */
final class ConnectionInput {
    /** Called before each read from the socket, and each time a read waited a poll period without data. */
    interface Waiter {
        /** Before each read from the socket: what was decoded from the previous one is complete. */
        default void beforeRead() {
        }

        /**
         * @param atBoundary no byte of the current item (record, header) was read yet
         * @param silentNanos time since the last byte arrived
         * @return false to stop reading (the read returns what it has)
         */
        boolean waiting(boolean atBoundary, long silentNanos) throws StreamRejected;
    }

    private final InputStream in;
    private final Waiter waiter;
    private final byte[] buf = new byte[64 << 10];
    private int pos;
    private int limit;
    private long lastByteNanos = System.nanoTime();
    private long total;

    ConnectionInput(InputStream in, Waiter waiter) {
        this.in = in;
        this.waiter = waiter;
    }

    /**
     * Reads exactly {@code len} bytes unless the stream ends (or the waiter stops it) first.
     *
     * @param boundary true when this read starts a new item, so that stopping before its first byte loses nothing
     * @return the number of bytes read: {@code len}, or fewer at end of stream
     */
    int read(byte[] dst, int off, int len, boolean boundary) throws IOException, StreamRejected {
        int done = 0;
        while (done < len) {
            if (pos == limit && !fill(boundary && done == 0)) {
                return done;
            }
            int n = Math.min(len - done, limit - pos);
            System.arraycopy(buf, pos, dst, off + done, n);
            pos += n;
            done += n;
        }
        return done;
    }

    /**
     * Reads what is there, at least one byte, at most {@code len}: for a decoder that takes
     * bytes in pieces of any size.
     *
     * @param boundary true when the caller is between items, so that stopping here loses nothing
     * @return the number of bytes read, 0 at end of stream (or when the waiter stopped it)
     */
    int readSome(byte[] dst, int off, int len, boolean boundary) throws IOException, StreamRejected {
        if (pos == limit && !fill(boundary)) {
            return 0;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }

    /**
     * When the next {@code len} bytes are already in the buffer, consumes them and returns where
     * they start in {@link #buffer()}, so that the caller need not copy them; otherwise -1 and
     * nothing is consumed. Never reads from the socket.
     */
    int takeBuffered(int len) {
        if (limit - pos < len) {
            return -1;
        }
        int at = pos;
        pos += len;
        return at;
    }

    /** The buffer that {@link #takeBuffered} points into; valid until the next read. */
    byte[] buffer() {
        return buf;
    }

    /** Bytes received so far on this connection. */
    long total() {
        return total;
    }

    private boolean fill(boolean atBoundary) throws IOException, StreamRejected {
        waiter.beforeRead();
        while (true) {
            int n;
            try {
                n = in.read(buf, 0, buf.length);
            } catch (SocketTimeoutException e) {
                if (!waiter.waiting(atBoundary, System.nanoTime() - lastByteNanos)) {
                    return false;
                }
                continue;
            }
            if (n < 0) {
                return false;
            }
            if (n > 0) {
                pos = 0;
                limit = n;
                total += n;
                lastByteNanos = System.nanoTime();
                return true;
            }
        }
    }
}
