package com.secureot.remote.ingest;

import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.remote.config.LegacyRawConfig;
import com.secureot.remote.config.LimitsConfig;
import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.remote.sender.RejectLog;
import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.sender.Sender;
import com.secureot.remote.sot2.Sot2Session;
import com.secureot.remote.sot2.Sot2Streams;
import com.secureot.pcap.wire.Sot2;
import com.secureot.pcap.wire.Sot2Exception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Serves one TCP connection on its own thread, told apart by its first bytes: a pcap magic
 * starts a PCAP-over-IP stream, "SOT2" an acknowledged stream ({@link Sot2Session}), anything
 * else is one legacy raw frame read to the end of the connection. The connection owns its {@link BatchPublisher}; when a read would block it hands
 * its pending packets over, so a quiet sender's packets still reach the files.
 */
final class TcpConnection implements Runnable, ConnectionInput.Waiter {
    static final int POLL_MILLIS = 100;
    /** After a shutdown request, a record already started may take this long to arrive. */
    static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int PCAPNG_MAGIC = 0x0A0D0D0A;
    private static final Logger log = LoggerFactory.getLogger(TcpConnection.class);

    private final Socket socket;
    private final Sender sender;
    private final String where;
    private final BatchPublisher publisher;
    private final CollectorMetrics metrics;
    private final RejectLog rejects;
    private final LegacyRawConfig legacy;
    private final LimitsConfig limits;
    private final Clock clock;
    private final Runnable onEnd;
    private final Sot2Streams sot2Streams;
    private final int writers;
    /** The SOT2 session, once the first bytes said so; its idle work runs when a read waits. */
    private Sot2Session sot2;
    private volatile long stopRequestedNanos;
    private volatile boolean stopping;
    // Records decoded since the last read from the socket, not yet in the shared counters.
    private long unpublishedPackets;
    private long unpublishedBytes;

    TcpConnection(Socket socket, Sender sender, BatchPublisher publisher, CollectorMetrics metrics, RejectLog rejects,
                  LegacyRawConfig legacy, LimitsConfig limits, Clock clock, Runnable onEnd, Sot2Streams sot2Streams,
                  int writers) {
        this.socket = socket;
        this.sender = sender;
        this.where = "tcp sender " + sender.name() + " port " + socket.getPort();
        this.publisher = publisher;
        this.metrics = metrics;
        this.rejects = rejects;
        this.legacy = legacy;
        this.limits = limits;
        this.clock = clock;
        this.onEnd = onEnd;
        this.sot2Streams = sot2Streams;
        this.writers = writers;
    }

    /** Finishes the record in flight (within a grace period), then ends the connection. */
    void stop() {
        stopRequestedNanos = System.nanoTime();
        stopping = true;
    }

    @Override
    public void run() {
        long before = sender.packets.get();
        try (socket) {
            socket.setSoTimeout(POLL_MILLIS);
            ConnectionInput in = new ConnectionInput(socket.getInputStream(), this);
            serve(in);
        } catch (StreamRejected e) {
            rejects.reject(sender, where, e.reason, e.getMessage());
        } catch (IOException e) {
            rejects.reject(sender, where, RejectReason.READ_ERROR, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (sot2 != null) {
                try {
                    sot2.end();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            publishCounts();
            publisher.flushSourceEnded(); // a sensor that disconnected has its data in its files at once
            log.debug("{}: closed after {} packets", where, sender.packets.get() - before);
            onEnd.run();
        }
    }

    private void serve(ConnectionInput in) throws IOException, StreamRejected, InterruptedException {
        byte[] first = new byte[4];
        int n = in.read(first, 0, 4, true);
        if (n == 0) {
            if (!stopping) {
                throw new StreamRejected(RejectReason.EMPTY, "closed without sending anything");
            }
            return;
        }
        int magic = n == 4 ? PcapStreamDecoder.be32(first, 0) : 0;
        if (n == 4 && PcapStreamDecoder.isPcapMagic(magic)) {
            new PcapStreamDecoder(in, this::record, limits.maxSnaplen(), this::pastGrace).run(first);
            return;
        }
        if (n == 4 && magic == Sot2.MAGIC && sot2Streams != null) {
            sot2(in, first);
            return;
        }
        if (n == 4 && magic == PCAPNG_MAGIC) {
            throw new StreamRejected(RejectReason.NOT_PCAP,
                    "pcapng stream; only pcap (PCAP-over-IP, e.g. tcpdump -w -) is accepted");
        }
        if (!legacy.enable()) {
            throw new StreamRejected(RejectReason.NOT_PCAP, "first bytes " + hex(first, n)
                    + " are not a pcap magic, and legacy raw frames are off (legacy_raw.enable: false)");
        }
        legacyFrame(in, first, n);
    }

    /** An acknowledged stream: bytes to the session as they come, its frames back on the socket. */
    private void sot2(ConnectionInput in, byte[] first) throws IOException, StreamRejected, InterruptedException {
        java.io.OutputStream os = socket.getOutputStream();
        Sot2Session.Output out = new Sot2Session.Output() {
            @Override
            public void send(java.nio.ByteBuffer frame) throws IOException {
                synchronized (os) { // acks come from writer threads
                    os.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
                    os.flush();
                }
            }

            @Override
            public void close() {
                try {
                    socket.close();
                } catch (IOException e) {
                    log.debug("{}: closing: {}", where, e.getMessage());
                }
            }
        };
        Sot2Session s = new Sot2Session(sot2Streams, publisher, sender, writers, metrics, limits.maxSnaplen(), null,
                out, where);
        sot2 = s;
        byte[] buf = new byte[64 << 10];
        try {
            s.received(first, 0, first.length);
            while (true) {
                int n = in.readSome(buf, 0, buf.length, s.atBoundary());
                if (n == 0) {
                    if (!s.atBoundary() && !stopping) {
                        throw new StreamRejected(RejectReason.TRUNCATED_RECORD, "SOT2 stream ended inside a frame");
                    }
                    return;
                }
                s.received(buf, 0, n);
            }
        } catch (Sot2Exception e) {
            try {
                java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(Sot2.errorFrameBytes(e.getMessage()));
                Sot2.putError(f, e.kind().ordinal() + 1, e.getMessage());
                out.send(f.flip());
            } catch (IOException ignored) {
                // the sensor is gone: the log line below is what is left
            }
            throw new StreamRejected(reasonOf(e.kind()), e.getMessage());
        } catch (java.net.SocketException e) {
            if (socket.isClosed()) {
                return; // closed on purpose: the stream's next connection took over, or storing failed
            }
            throw e;
        }
    }

    private static RejectReason reasonOf(Sot2Exception.Kind k) {
        return switch (k) {
            case BAD_HELLO -> RejectReason.BAD_HEADER;
            case RECORD_TOO_LARGE -> RejectReason.RECORD_TOO_LARGE;
            default -> RejectReason.BAD_RECORD;
        };
    }

    /** The earlier forwarder's format: the whole connection is one frame, stamped on arrival. */
    private void legacyFrame(ConnectionInput in, byte[] first, int n) throws IOException, StreamRejected,
            InterruptedException {
        Instant arrival = clock.instant();
        int max = legacy.maxFrameBytes();
        byte[] frame = new byte[Math.min(max + 1, 2048)];
        System.arraycopy(first, 0, frame, 0, n);
        int len = n;
        while (true) {
            if (len == frame.length) {
                if (len > max) {
                    throw new StreamRejected(RejectReason.FRAME_TOO_LARGE, "legacy raw frame longer than "
                            + "legacy_raw.max_frame_bytes (" + max + "); nothing stored");
                }
                frame = java.util.Arrays.copyOf(frame, Math.min(max + 1, frame.length * 2));
            }
            len += in.read(frame, len, frame.length - len, false);
            if (len < frame.length) {
                break; // the stream ended inside this read
            }
        }
        record(frame, 0, len, len, legacy.linkType(), arrival.getEpochSecond(), arrival.getNano(), true,
                legacy.maxFrameBytes());
    }

    private void record(byte[] data, int off, int capLen, int origLen, int linkType, long sec, int nanos,
                        boolean nano, int snaplen) throws InterruptedException {
        publisher.add(data, off, capLen, origLen, linkType, sec, nanos, nano, snaplen, sender);
        unpublishedPackets++;
        unpublishedBytes += capLen;
    }

    /**
     * Once per read from the socket (64 KiB, about a hundred records at full speed), not per
     * record: the shared counters are atomic and the batch's age needs the clock; per record
     * they took 15 % of this thread (async-profiler).
     */
    @Override
    public void beforeRead() {
        publishCounts();
        publisher.flushIfOlder();
    }

    private void publishCounts() {
        if (unpublishedPackets > 0) {
            sender.received(unpublishedPackets, unpublishedBytes);
            metrics.tcpPackets.addAndGet(unpublishedPackets);
            metrics.tcpBytes.addAndGet(unpublishedBytes);
            unpublishedPackets = 0;
            unpublishedBytes = 0;
        }
    }

    /**
     * A sender that never pauses would keep a stopping connection open forever: past the grace
     * period it is cut at the next record boundary. Before that, it stops when a read would block.
     */
    private boolean pastGrace() {
        return stopping && System.nanoTime() - stopRequestedNanos > STOP_GRACE_NANOS;
    }

    @Override
    public boolean waiting(boolean atBoundary, long silentNanos) throws StreamRejected {
        publishCounts();
        if (sot2 != null) {
            try {
                sot2.idle();
            } catch (Sot2Exception e) {
                throw new StreamRejected(reasonOf(e.kind()), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        publisher.flush();
        if (stopping) {
            if (atBoundary) {
                return false;
            }
            if (pastGrace()) {
                throw new StreamRejected(RejectReason.SHUTDOWN, "record not finished at shutdown; not stored");
            }
        }
        int idle = limits.idleTimeoutSeconds();
        if (idle > 0 && silentNanos >= TimeUnit.SECONDS.toNanos(idle)) {
            throw new StreamRejected(RejectReason.IDLE_TIMEOUT, "nothing received for " + idle
                    + " s (limits.idle_timeout_seconds)");
        }
        return true;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString();
    }
}
