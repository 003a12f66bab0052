package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.pcap.wire.Sot2;
import com.secureot.pcap.wire.Sot2Exception;
import com.secureot.remote.sot2.Sot2Session;
import com.secureot.remote.sot2.Sot2Streams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A SOT2 stream on the Netty front: the bytes go to a {@link Sot2Session}, its welcome and
 * acknowledgements go back through {@link TcpSession#write}. The session's work that a writer
 * thread starts (the next barrier) comes back to the connection's event loop.
 */
final class Sot2StreamHandler implements StreamHandler {
    private final TcpSession connection;
    private final Sot2Session session;
    /** Direct buffers are read through this (the decoder reads arrays). */
    private final byte[] copy = new byte[64 << 10];
    private boolean closed;

    Sot2StreamHandler(TcpSession connection, Sot2Streams streams, int writers, int maxSnaplen) {
        this.connection = connection;
        Sot2Session.Output out = new Sot2Session.Output() {
            @Override
            public void send(ByteBuffer frame) {
                connection.write(Unpooled.wrappedBuffer(frame));
            }

            @Override
            public void close() {
                connection.eventLoop().execute(() -> connection.reject(RejectReason.SHUTDOWN,
                        "SOT2 stream closed by the collector (taken over by a newer connection, or not stored)",
                        false));
            }

            @Override
            public void later(Runnable task, long delayMillis) {
                connection.eventLoop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public com.secureot.remote.sender.Sender named(String sensorId,
                                                          com.secureot.remote.sender.Sender current) {
                return connection.namedBy(sensorId);
            }
        };
        this.session = new Sot2Session(streams, connection.publisher(), connection.sender(), writers,
                connection.metrics(), maxSnaplen, connection.peerIdentity(), out, connection.where());
    }

    @Override
    public boolean read(ByteBuf in, boolean cutAtBoundary) throws StreamRejected {
        try {
            while (in.isReadable()) {
                if (cutAtBoundary && session.atBoundary()) {
                    in.skipBytes(in.readableBytes());
                    return true;
                }
                int consumed;
                if (in.hasArray()) {
                    consumed = session.received(in.array(), in.arrayOffset() + in.readerIndex(), in.readableBytes());
                    in.skipBytes(consumed);
                    if (consumed == 0 && in.isReadable()) {
                        return false;
                    }
                } else {
                    int n = Math.min(copy.length, in.readableBytes());
                    in.getBytes(in.readerIndex(), copy, 0, n);
                    consumed = session.received(copy, 0, n);
                    in.skipBytes(consumed);
                    if (consumed < n) {
                        return false; // no room: the rest waits in {@code in}
                    }
                }
            }
            session.idle();
            return true;
        } catch (Sot2Exception e) {
            ByteBuffer f = ByteBuffer.allocate(Sot2.errorFrameBytes(e.getMessage()));
            Sot2.putError(f, e.kind().ordinal() + 1, e.getMessage());
            connection.write(Unpooled.wrappedBuffer(f.flip()));
            throw new StreamRejected(reasonOf(e.kind()), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamRejected(RejectReason.SHUTDOWN, "interrupted");
        }
    }

    static RejectReason reasonOf(Sot2Exception.Kind k) {
        return switch (k) {
            case BAD_HELLO -> RejectReason.BAD_HEADER;
            case RECORD_TOO_LARGE -> RejectReason.RECORD_TOO_LARGE;
            default -> RejectReason.BAD_RECORD;
        };
    }

    @Override
    public boolean end() throws StreamRejected {
        if (!session.atBoundary()) {
            throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "SOT2 stream ended inside frame #"
                    + (session.frames() + 1) + "; what came before it is stored");
        }
        return true;
    }

    @Override
    public boolean atBoundary() {
        return session.atBoundary();
    }

    @Override
    public long items() {
        return session.frames();
    }

    @Override
    public String inProgress() {
        return "SOT2 frame #" + (session.frames() + 1);
    }

    @Override
    public boolean identified() {
        return session.sensorId() != null;
    }

    /** However the connection ended: what was published is committed (acknowledged at the next connection). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            session.end();
        }
    }
}
