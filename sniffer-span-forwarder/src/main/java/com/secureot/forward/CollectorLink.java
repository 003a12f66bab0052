package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One connection of the SOT2 sender to the collector, as a pair of streams: plaintext TCP, or
 * inside mutual TLS ({@link TlsChannel}) when {@code forward.tls} is on. With TLS the link is
 * returned only once the handshake verified the collector (and, TLS 1.3, the collector did not
 * refuse this sensor at once), so no byte of the hello goes out before. One thread writes, one
 * reads; {@link #close} may come from any thread and ends both.
 */
final class CollectorLink implements AutoCloseable {
    /** Plaintext per TLS socket write, as the PCAP-over-IP sink's buffer: a 1 MiB SOT2 frame takes four. */
    private static final int TLS_SOCKET_WRITE_BYTES = 256 * 1024;
    private final SocketChannel channel;
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final boolean tls;

    private CollectorLink(SocketChannel channel, OutputStream out, InputStream in, boolean tls) {
        this.channel = channel;
        this.socket = channel.socket();
        this.out = out;
        this.in = in;
        this.tls = tls;
    }

    /**
     * Connects (and with {@code tls}, handshakes) within the configured timeouts. The socket being
     * connected is handed to {@code pending} first, so that a concurrent close can abort the attempt.
     */
    static CollectorLink open(CollectorEndpoint endpoint, ForwardConfig cfg, ForwardTls tls,
                              java.util.function.Consumer<SocketChannel> pending) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, cfg.sendBufferBytes());
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            pending.accept(ch);
            ch.socket().connect(endpoint.address(), cfg.connectTimeoutMillis());
            if (tls == null) {
                return new CollectorLink(ch, ch.socket().getOutputStream(), ch.socket().getInputStream(), false);
            }
            TlsChannel t = new TlsChannel(ch, tls.engine(endpoint.address().getPort()), TLS_SOCKET_WRITE_BYTES);
            t.handshake(Math.max(cfg.connectTimeoutMillis(), TlsChannel.HANDSHAKE_MIN_MILLIS),
                    Math.min(cfg.connectTimeoutMillis(), TlsChannel.SETTLE_MILLIS));
            return new CollectorLink(ch, Channels.newOutputStream(t), Channels.newInputStream(t), true);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    OutputStream out() {
        return out;
    }

    InputStream in() {
        return in;
    }

    boolean tls() {
        return tls;
    }

    /** How long a read may wait (0: forever); the TLS reads go through the socket's stream, which honours it. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    boolean isClosed() {
        return !channel.isOpen();
    }

    /** Ends the connection; a thread blocked reading or writing gets an exception. Safe to call twice. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a broken connection: nothing more to learn
        }
    }
}
