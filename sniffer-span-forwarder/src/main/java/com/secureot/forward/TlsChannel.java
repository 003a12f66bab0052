package com.secureot.forward;

import com.secureot.pcap.wire.TlsAcceptNotice;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * A TLS client over the forwarder's socket: the handshake (with a deadline, the socket
 * non-blocking meanwhile), then the stream's bytes encrypted into TLS records and written in
 * full. After the handshake the socket is blocking again; PCAP-over-IP only writes (reading is
 * the handshake and the collector's verdict on this sensor right after it, its accept notice or a
 * refusal, as TLS 1.3 verifies the client's certificate after the client's side is done), SOT2
 * also reads the collector's welcome and acknowledgements on a second thread ({@link #read}):
 * one thread may write while another reads, as the SSLEngine allows wrap and unwrap to run
 * concurrently.
 */
final class TlsChannel implements ByteChannel {
    /**
     * TLS 1.3: how long to wait after the handshake for a refusal of this sensor's certificate from
     * a peer that did not promise an accept notice (a SecureOT collector does).
     */
    static final long SETTLE_MILLIS = 1000;
    /** The most plaintext one TLS record carries, 2^14 bytes (RFC 8446, 5.1). */
    private static final int MAX_RECORD_PLAINTEXT = 16_384;
    /**
     * The handshake's deadline is at least this, whatever connect_timeout_ms says: a JVM's first
     * handshake initialises the JDK's TLS (over two seconds on a loaded 2-core machine).
     */
    static final long HANDSHAKE_MIN_MILLIS = 10_000;

    private final SocketChannel ch;
    private final SSLEngine engine;
    private final ByteBuffer netOut;
    private final ByteBuffer netIn;
    private final ByteBuffer appIn;
    private volatile boolean open = true;
    /** The socket's stream after the handshake: its reads honour SO_TIMEOUT, the channel's do not. */
    private InputStream raw;

    /**
     * @param bytesPerSocketWrite plaintext bytes whose records go out in one socket write (a larger
     *     {@link #write} takes several): the owner's own write size, so that TLS makes one socket
     *     write where plaintext makes one
     */
    TlsChannel(SocketChannel ch, SSLEngine engine, int bytesPerSocketWrite) {
        this.ch = ch;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        int records = bytesPerSocketWrite / MAX_RECORD_PLAINTEXT + 1;
        this.netOut = ByteBuffer.allocateDirect(records * packet);
        this.netIn = ByteBuffer.allocate(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * Runs the handshake, then waits for the collector's verdict on this sensor: its accept notice
     * or the alert refusing it; from a peer that did not promise the notice, a refusal within
     * {@code settleMillis}.
     *
     * @throws SSLException the collector could not be verified, or refused this sensor
     */
    void handshake(long timeoutMillis, long settleMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        ch.configureBlocking(false);
        try (Selector sel = Selector.open()) {
            ch.register(sel, 0);
            SelectionKey key = ch.keyFor(sel);
            engine.beginHandshake();
            HandshakeStatus hs = engine.getHandshakeStatus();
            while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
                switch (hs) {
                    case NEED_WRAP -> {
                        netOut.clear();
                        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                        netOut.flip();
                        flush(sel, key, deadline);
                        hs = r.getHandshakeStatus();
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> hs = unwrap(sel, key, deadline, true);
                    case NEED_TASK -> {
                        Runnable t;
                        while ((t = engine.getDelegatedTask()) != null) {
                            t.run();
                        }
                        hs = engine.getHandshakeStatus();
                    }
                    default -> throw new SSLException("unexpected handshake state " + hs);
                }
            }
            // A collector that selected our ALPN name sends its notice: wait for it (or a refusal) as
            // long as the handshake may take. Any other peer (a TLS terminator in front of a
            // collector's plaintext port) has until the settling wait ends to refuse.
            if (TlsAcceptNotice.ALPN.equals(engine.getApplicationProtocol())) {
                awaitAcceptNotice(sel, key, deadline);
            } else if ("TLSv1.3".equals(engine.getSession().getProtocol())) {
                unwrap(sel, key, Math.min(deadline, System.nanoTime() + settleMillis * 1_000_000L), false);
            }
            key.cancel();
        }
        ch.configureBlocking(true);
    }

    /**
     * Reads the collector's accept notice ({@link TlsAcceptNotice}), promised by its choice of our
     * ALPN name: TLS 1.3 verifies this sensor's certificate after the client's side of the
     * handshake is done, so either the notice or the alert refusing the sensor (an SSLException
     * here) follows. Bytes after the notice stay in {@link #appIn} for {@link #read}.
     */
    private void awaitAcceptNotice(Selector sel, SelectionKey key, long deadline) throws IOException {
        while (appIn.position() < TlsAcceptNotice.BYTES) {
            unwrap(sel, key, deadline, true);
        }
        appIn.flip();
        if (!TlsAcceptNotice.matches(appIn)) {
            throw new SSLException("the collector's first bytes are not its accept notice: not a SecureOT "
                    + "collector's TLS port?");
        }
        appIn.position(TlsAcceptNotice.BYTES);
        appIn.compact();
    }

    /**
     * Decrypts what the collector sends into {@code dst} (blocking; {@code SO_TIMEOUT} of the
     * socket applies); -1 once the collector closed the stream. One reading thread at a time.
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (true) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(appIn.remaining(), dst.remaining());
                ByteBuffer slice = appIn.slice();
                slice.limit(n);
                dst.put(slice);
                appIn.position(appIn.position() + n);
                appIn.compact();
                return n;
            }
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = engine.getDelegatedTask()) != null) {
                    t.run();
                }
            }
            switch (r.getStatus()) {
                case OK -> {
                    // A record of data (returned above), or a post-handshake message (a session ticket,
                    // a key update whose answer goes with the next write): read on.
                }
                case CLOSED -> {
                    if (appIn.position() == 0) {
                        return -1;
                    }
                }
                case BUFFER_OVERFLOW -> throw new SSLException("TLS record larger than the session's buffer");
                case BUFFER_UNDERFLOW -> {
                    if (raw == null) {
                        raw = ch.socket().getInputStream();
                    }
                    int n = raw.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
                    if (n < 0) {
                        return -1;
                    }
                    netIn.position(netIn.position() + n);
                }
                default -> throw new SSLException("unexpected TLS state " + r.getStatus());
            }
        }
    }

    /**
     * Reads and unwraps what arrives until a record was consumed (application data lands in
     * {@link #appIn}); with {@code required} false, a quiet collector until the deadline is fine:
     * null then.
     */
    private HandshakeStatus unwrap(Selector sel, SelectionKey key, long deadline, boolean required) throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                throw new SSLException("the collector closed the TLS connection");
            }
            if (r.getStatus() == SSLEngineResult.Status.OK && r.bytesConsumed() > 0) {
                return r.getHandshakeStatus();
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("TLS record larger than the session's buffer");
            }
            // BUFFER_UNDERFLOW: more bytes needed.
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                if (required) {
                    throw new SocketTimeoutException("TLS handshake with the collector not complete in time");
                }
                return null;
            }
            key.interestOps(SelectionKey.OP_READ);
            sel.select(left);
            sel.selectedKeys().clear();
            if (ch.read(netIn) < 0) {
                throw new SSLException("the collector closed the connection during the TLS handshake");
            }
        }
    }

    private void flush(Selector sel, SelectionKey key, long deadline) throws IOException {
        while (netOut.hasRemaining()) {
            if (ch.write(netOut) == 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new SocketTimeoutException("TLS handshake with the collector not complete in time");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                sel.select(left);
                sel.selectedKeys().clear();
            }
        }
    }

    /** Encrypts all of {@code src} and writes the records (blocking, as the plaintext socket does). */
    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = src.remaining();
        int record = engine.getSession().getPacketBufferSize();
        while (src.hasRemaining()) {
            netOut.clear();
            // As many records as fit, then one socket write for them.
            while (src.hasRemaining() && netOut.remaining() >= record) {
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getStatus() != SSLEngineResult.Status.OK) {
                    throw new SSLException("TLS: cannot encrypt (" + r.getStatus() + ")");
                }
            }
            netOut.flip();
            while (netOut.hasRemaining()) {
                ch.write(netOut);
            }
        }
        return n;
    }

    /**
     * Why a handshake failed, for the log: the certificate check's own words when one refused
     * (BoringSSL's engine reports "General OpenSslEngine problem" and keeps the reason as its cause).
     */
    static String reason(SSLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }

    /** A TLS close_notify, then nothing more. The socket itself is closed by its owner. */
    void closeOutbound() throws IOException {
        engine.closeOutbound();
        netOut.clear();
        engine.wrap(ByteBuffer.allocate(0), netOut);
        netOut.flip();
        while (netOut.hasRemaining()) {
            ch.write(netOut);
        }
    }

    @Override
    public boolean isOpen() {
        return open && ch.isOpen();
    }

    @Override
    public void close() throws IOException {
        open = false;
        ch.close();
    }
}
