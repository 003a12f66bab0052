package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.wire.TlsAcceptNotice;
import com.secureot.remote.config.LimitsConfig;
import com.secureot.remote.sender.Sender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/**
 * One TCP connection, on its event loop: picks the stream's format from the first bytes
 * ({@link StreamFormats}), feeds it what arrives, and enforces the connection policy with one
 * timer: the first bytes within {@code limits.first_bytes_timeout_seconds}, an item once begun
 * complete within {@code limits.progress_timeout_seconds}, silence between records at most
 * {@code limits.idle_timeout_seconds}. When every batch is in use the connection stops reading
 * (back-pressure: TCP slows the sender down) and tries again shortly, never blocking the loop. A
 * refused connection is reset, so that its sender sees an error, not a clean end. The connection
 * owns its {@link BatchPublisher}; it hands pending packets over whenever the socket has nothing
 * more to read.
 */
final class TcpSession extends ChannelInboundHandlerAdapter implements RecordSink {
    private final Member member = new Member();
    /** After a shutdown request, a record already started may take this long to arrive. */
    static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** While every batch is in use, how often a paused connection looks for a free one. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final Logger log = LoggerFactory.getLogger(TcpSession.class);

    private final Ingest ingest;
    private final ConnectionTable table;
    private final StreamFormats formats;
    private final TlsPort tls;
    private Sender sender;
    private String where;
    /** On the TLS port until the handshake is done: the handshake has its own deadline. */
    private boolean handshaking;
    /** The verified client certificate's name (first DNS SAN, else CN) on the TLS port, else null. */
    private String peerName;
    private final BatchPublisher publisher;
    private final long firstBytesNanos;
    private final long progressNanos;
    private final long idleNanos;
    private final Channel channel;
    private StreamHandler handler;
    /** The first bytes while fewer than the format choice needs. */
    private ByteBuf first;
    /** Bytes not consumed while every batch is in use (reading is off meanwhile). */
    private ByteBuf pending;
    private boolean paused;
    /** The peer ended its side; the stream ends once {@link #pending} is consumed. */
    private boolean peerEnded;
    private boolean finished;
    private boolean stopping;
    private long stopNanos;
    private boolean identified;
    private boolean gotBytes;
    private long startNanos;
    private long lastReadNanos;
    private long itemStartNanos;
    private ScheduledFuture<?> timer;
    private long timerAt;
    // Records decoded since the last read, not yet in the shared counters.
    private long unpublishedPackets;
    private long unpublishedBytes;
    private long packets;

    /** @param tls the TLS port's material when this connection is on it, else null */
    TcpSession(Channel channel, Ingest ingest, ConnectionTable table, StreamFormats formats, Sender sender,
               String where, TlsPort tls) {
        this.channel = channel;
        this.tls = tls;
        this.handshaking = tls != null;
        this.ingest = ingest;
        this.table = table;
        this.formats = formats;
        this.sender = sender;
        this.where = where;
        this.publisher = ingest.newPublisher();
        LimitsConfig limits = ingest.config().limits();
        this.firstBytesNanos = TimeUnit.SECONDS.toNanos(limits.firstBytesTimeoutSeconds());
        this.progressNanos = TimeUnit.SECONDS.toNanos(limits.progressTimeoutSeconds());
        this.idleNanos = TimeUnit.SECONDS.toNanos(limits.idleTimeoutSeconds());
    }

    String where() {
        return where;
    }

    Sender sender() {
        return sender;
    }

    /** The connection's publisher, for a format that publishes itself (SOT2: barriers, intervals). */
    BatchPublisher publisher() {
        return publisher;
    }

    com.secureot.pcap.metrics.CollectorMetrics metrics() {
        return ingest.metrics();
    }

    /**
     * The name the transport proved for the peer (the TLS client certificate's), which wins over
     * the name a SOT2 sensor gives itself; null while the front does not verify client certificates.
     */
    String peerIdentity() {
        return peerName;
    }

    /** On the TLS port and not verified yet: no stream byte may be taken (never the case with SslHandler). */
    boolean unverified() {
        return tls != null && peerName == null;
    }

    /**
     * A SOT2 stream named itself {@code sensorId} in its hello: on plaintext its packets are that
     * sensor's from now on ({@code {sender_name}}, routing rules by name); under TLS the sender is
     * the certificate's already, whatever the hello says.
     */
    Sender namedBy(String sensorId) {
        if (peerName == null && sender.certificateName() == null) {
            sender = ingest.senders().named(sender.address(), sensorId);
            where = "tcp sender " + sender.name() + " port " + ((java.net.InetSocketAddress) channel.remoteAddress())
                    .getPort();
        }
        return sender;
    }

    /** This connection in the {@link ConnectionTable}. */
    ConnectionTable.Member member() {
        return member;
    }

    private final class Member extends ConnectionTable.Member {
        @Override
        void evict(String newcomer) {
            channel.eventLoop().execute(() -> reject(RejectReason.EVICTED,
                    "not identified yet, closed to make room for " + newcomer + " (limits.max_connections)", true));
        }
    }

    // --- events ---

    io.netty.channel.EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startNanos = System.nanoTime();
        arm();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && handshaking && !finished) {
            handshaking = false;
            SSLEngine engine = ctx.pipeline().get(SslHandler.class).engine();
            if (done.isSuccess()) {
                handshakeDone(engine);
            } else {
                handshakeFailed(engine, done.cause());
            }
        } else if (evt instanceof SslCloseCompletionEvent && !finished && !handshaking) {
            // The client's close_notify ends its stream as a FIN does in plaintext. A client that
            // then waits for the collector's close_notify (socat, stunnel) would otherwise wait for
            // the idle timeout with its last records not yet known to be whole.
            peerEnded = true;
            if (pending == null) {
                streamEnded();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The peer is verified (the verifier checked chain, dates, CRL and name): the stream may begin,
     * and a client that asked for it is told so ({@link TlsAcceptNotice}).
     */
    private void handshakeDone(SSLEngine engine) {
        X509Certificate cert;
        try {
            cert = (X509Certificate) engine.getSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            reject(RejectReason.NO_CERTIFICATE, "no client certificate (tls.client_ca_file requires one)", true);
            return;
        }
        String name = ClientVerifier.name(cert);
        peerName = name;
        sender = ingest.senders().named(sender.address(), name);
        sender.connections.incrementAndGet();
        where = "tls sender " + sender.name() + " port " + ((java.net.InetSocketAddress) channel.remoteAddress()).getPort();
        startNanos = System.nanoTime();
        markIdentified();
        arm();
        if (TlsAcceptNotice.ALPN.equals(engine.getApplicationProtocol())) {
            // The client asked to learn that it was accepted (TLS 1.3 verifies it after its side
            // of the handshake): without this it could only wait for a refusal that never comes.
            channel.writeAndFlush(Unpooled.wrappedBuffer(TlsAcceptNotice.bytes()));
        }
        log.debug("{}: verified, {} {}", where, engine.getSession().getProtocol(), engine.getSession().getCipherSuite());
    }

    private void handshakeFailed(SSLEngine engine, Throwable cause) {
        ClientVerifier.Refusal r = tls.refusal(engine);
        if (r != null) {
            reject(r.reason(), r.detail(), true);
        } else if (cause instanceof NotSslRecordException) {
            reject(RejectReason.PLAINTEXT_ON_TLS_PORT, "the first bytes are not a TLS handshake (plaintext on the TLS "
                    + "port " + tls.config().port() + "?)", true);
        } else if (cause instanceof SslHandshakeTimeoutException) {
            reject(RejectReason.HANDSHAKE_TIMEOUT, "TLS handshake not complete within "
                    + tls.config().handshakeTimeoutSeconds() + " s (tls.handshake_timeout_seconds)", true);
        } else if (cause instanceof java.nio.channels.ClosedChannelException) {
            reject(RejectReason.TLS_FAILED, "closed by the peer during the TLS handshake", true);
        } else {
            reject(RejectReason.TLS_FAILED, "TLS handshake failed: " + cause.getMessage(), true);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (finished) {
            in.release();
            return;
        }
        lastReadNanos = System.nanoTime();
        gotBytes = true;
        if (pending != null) {
            // A read already under way when reading was turned off: kept behind what waits.
            pending = Unpooled.wrappedBuffer(pending, in);
            return;
        }
        if (handler == null) {
            in = detect(in, false);
            if (in == null) {
                return;
            }
        }
        feed(in);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (finished) {
            return;
        }
        // Nothing more to read now: what was decoded goes to the writer, as a quiet sender's packets must.
        publishCounts();
        publisher.flush();
        if (stopping && pending == null && (handler == null ? first == null : handler.atBoundary())) {
            end(null, false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        peerEnded = true;
        if (pending == null) {
            streamEnded();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (finished || handshaking) {
            return; // a handshake failure is answered by its completion event
        }
        if (cause instanceof IOException) {
            // Reset by the peer, or a TLS record that fails to decrypt (SslHandler wraps it in a DecoderException).
            reject(RejectReason.READ_ERROR, String.valueOf(cause.getMessage()), false);
        } else if (cause.getCause() instanceof javax.net.ssl.SSLException ssl) {
            reject(RejectReason.READ_ERROR, "TLS: " + ssl.getMessage(), false);
        } else {
            log.error("{}: unexpected failure, connection closed: {}", where, cause.toString());
            reject(RejectReason.READ_ERROR, cause.toString(), false);
        }
    }

    // --- stream ---

    /** Chooses the format once the first bytes are here; returns the bytes to feed, or null to wait for more. */
    private ByteBuf detect(ByteBuf in, boolean atEnd) {
        if (first != null) {
            in = Unpooled.wrappedBuffer(first, in);
            first = null;
        }
        if (in.readableBytes() < StreamFormats.DETECT_BYTES && !atEnd) {
            first = in;
            markItemStart();
            return null;
        }
        try {
            handler = formats.detect(in, this);
        } catch (StreamRejected e) {
            in.release();
            reject(e.reason, e.getMessage(), false);
            return null;
        }
        markItemStart(); // the stream's first item started with these bytes
        return in;
    }

    private void feed(ByteBuf in) {
        boolean wasAtBoundary = handler.atBoundary();
        long itemsBefore = handler.items();
        boolean done;
        try {
            done = handler.read(in, stopping && pastGrace());
        } catch (StreamRejected e) {
            in.release();
            reject(e.reason, e.getMessage(), false);
            return;
        }
        if (done) {
            in.release();
        } else {
            pending = in;
            pause();
        }
        if (!identified && handler.identified()) {
            markIdentified();
        }
        if (!handler.atBoundary() && (wasAtBoundary || handler.items() != itemsBefore)) {
            markItemStart();
        }
        publishCountsIfMany();
        arm();
    }

    private void markItemStart() {
        itemStartNanos = lastReadNanos;
    }

    private void markIdentified() {
        identified = true;
        table.identified(member);
    }

    private void pause() {
        paused = true;
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(this::resume, RETRY_NANOS, TimeUnit.NANOSECONDS);
    }

    private void resume() {
        if (finished) {
            return;
        }
        ByteBuf in = pending;
        pending = null;
        paused = false;
        feed(in);
        if (finished || paused) {
            return;
        }
        publishCounts();
        if (peerEnded) {
            streamEnded();
        } else {
            channel.config().setAutoRead(true);
        }
    }

    /** The peer ended the stream (and what it sent is consumed): the format checks the end, the packets go out. */
    private void streamEnded() {
        if (finished) {
            return;
        }
        if (handler == null) {
            if (first == null) {
                if (stopping) {
                    end(null, false);
                } else {
                    reject(RejectReason.EMPTY, "closed without sending anything", false);
                }
                return;
            }
            ByteBuf in = detect(Unpooled.EMPTY_BUFFER, true);
            if (in == null) {
                return;
            }
            feed(in);
            if (finished || paused) {
                return;
            }
        }
        boolean stored;
        try {
            stored = handler.end();
        } catch (StreamRejected e) {
            reject(e.reason, e.getMessage(), false);
            return;
        }
        if (!stored) {
            // Every batch in use: the last record waits for one (the connection is closed already).
            channel.eventLoop().schedule(this::streamEnded, RETRY_NANOS, TimeUnit.NANOSECONDS);
            return;
        }
        end(null, false);
    }

    // --- records ---

    @Override
    public boolean room(int capLen) {
        return publisher.room(capLen);
    }

    @Override
    public void record(ByteBuf src, int index, int capLen, int origLen, int linkType, long sec, int fraction,
                       boolean nano, int snaplen) {
        PacketBatch b = publisher.roomBatch();
        src.getBytes(index, b.data, b.used, capLen);
        publisher.commit(capLen, origLen, linkType, sec, fraction, nano, snaplen, sender);
        unpublishedPackets++;
        unpublishedBytes += capLen;
    }

    /** Writes to the peer (a format's acknowledgements); flushed at once. */
    ChannelFuture write(ByteBuf data) {
        return channel.writeAndFlush(data);
    }

    /**
     * The shared counters are atomic: added once per read from the socket (up to 64 KiB, about a
     * hundred records at full speed), not per record.
     */
    private void publishCountsIfMany() {
        if (unpublishedPackets >= 64) {
            publishCounts();
        }
    }

    private void publishCounts() {
        if (unpublishedPackets > 0) {
            sender.received(unpublishedPackets, unpublishedBytes);
            ingest.metrics().tcpPackets.addAndGet(unpublishedPackets);
            ingest.metrics().tcpBytes.addAndGet(unpublishedBytes);
            packets += unpublishedPackets;
            unpublishedPackets = 0;
            unpublishedBytes = 0;
        }
    }

    // --- deadlines ---

    /** The time the connection fails its policy if nothing changes. */
    private long deadline() {
        if (handshaking) {
            return Long.MAX_VALUE; // SslHandler's own timeout (tls.handshake_timeout_seconds)
        }
        if (paused) {
            return System.nanoTime() + progressNanos; // not reading: the writer is slow, not the sender
        }
        if (!gotBytes) {
            long first = startNanos + firstBytesNanos;
            return idleNanos > 0 ? Math.min(first, startNanos + idleNanos) : first;
        }
        if (handler == null || !handler.atBoundary()) {
            return itemStartNanos + progressNanos;
        }
        return idleNanos > 0 ? lastReadNanos + idleNanos : Long.MAX_VALUE;
    }

    /** Keeps one timer at or before the deadline: moved earlier when needed, never once per read. */
    private void arm() {
        if (finished) {
            return;
        }
        long d = deadline();
        if (d == Long.MAX_VALUE || (timer != null && timerAt - d <= 0)) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = d;
        timer = channel.eventLoop().schedule(this::check, Math.max(0, d - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (finished) {
            return;
        }
        if (System.nanoTime() - deadline() < 0) {
            arm();
            return;
        }
        LimitsConfig limits = ingest.config().limits();
        if (!gotBytes) {
            if (idleNanos > 0 && idleNanos <= firstBytesNanos) {
                reject(RejectReason.IDLE_TIMEOUT, "nothing received for " + limits.idleTimeoutSeconds()
                        + " s (limits.idle_timeout_seconds)", true);
            } else {
                reject(RejectReason.FIRST_BYTES_TIMEOUT, "nothing received within " + limits.firstBytesTimeoutSeconds()
                        + " s of the connection (limits.first_bytes_timeout_seconds)", true);
            }
        } else if (handler == null || !handler.atBoundary()) {
            long items = handler == null ? 0 : handler.items();
            reject(RejectReason.SLOW_PROGRESS, (handler == null ? "the stream's first bytes" : handler.inProgress())
                    + " not complete "
                    + limits.progressTimeoutSeconds() + " s after its first bytes (limits.progress_timeout_seconds); "
                    + items + " records stored", true);
        } else {
            reject(RejectReason.IDLE_TIMEOUT, "nothing received for " + limits.idleTimeoutSeconds()
                    + " s (limits.idle_timeout_seconds)", true);
        }
    }

    // --- ending ---

    /** Shutdown: ends at the next record boundary, or after the grace period. On the event loop. */
    void stop() {
        if (finished) {
            return;
        }
        stopping = true;
        stopNanos = System.nanoTime();
        if (pending == null && (handler == null ? first == null : handler.atBoundary())) {
            end(null, false);
            return;
        }
        channel.eventLoop().schedule(() -> {
            if (!finished) {
                reject(RejectReason.SHUTDOWN, "record not finished at shutdown; not stored", false);
            }
        }, STOP_GRACE_NANOS, TimeUnit.NANOSECONDS);
    }

    private boolean pastGrace() {
        return System.nanoTime() - stopNanos > STOP_GRACE_NANOS;
    }

    /** Refuses the stream: counted, logged (rate-limited), and the connection reset. */
    void reject(RejectReason reason, String detail, boolean connectionPolicy) {
        if (finished) {
            return;
        }
        if (connectionPolicy) {
            ingest.rejects().rejectConnection(sender, where, reason, detail);
        } else {
            ingest.rejects().reject(sender, where, reason, detail);
        }
        end(reason, true);
    }

    /**
     * Ends the connection once: counters, the packets to the writer (a sensor that disconnected
     * has its data in its files at once), the slot, then the socket (reset when refused).
     */
    private void end(RejectReason why, boolean reset) {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        publishCounts();
        publisher.flushSourceEnded();
        if (handler != null) {
            handler.close();
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (first != null) {
            first.release();
            first = null;
        }
        table.remove(member);
        if (channel.isOpen()) {
            if (reset) {
                resetAndClose(channel);
            } else {
                channel.close();
            }
        }
        log.debug("{}: closed after {} packets{}", where, packets, why == null ? "" : " (" + why.label() + ")");
    }

    /** SO_LINGER 0: the peer gets a reset, not a clean end, so it does not take the close for acceptance. */
    static void resetAndClose(Channel ch) {
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            log.debug("SO_LINGER 0 not set: {}", e.toString());
        }
        ch.close();
    }
}
