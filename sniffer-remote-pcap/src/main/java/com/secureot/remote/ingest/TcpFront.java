package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.config.LimitsConfig;
import com.secureot.remote.sender.Sender;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The collector's TCP front: a few event-loop threads ({@code limits.io_threads}) serve every
 * connection, so thousands of idle or slow ones cost memory for their state only, no thread and
 * no CPU. Admission ({@link ConnectionTable}) happens at the accept: a refused connection is reset
 * at once. Each admitted connection is a {@link TcpSession}.
 */
public final class TcpFront implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpFront.class);

    private final Ingest ingest;
    private final EventLoopGroup group;
    private final ConnectionTable table;
    private final StreamFormats formats;
    private final Set<TcpSession> sessions = ConcurrentHashMap.newKeySet();
    private final List<Channel> servers = new ArrayList<>();
    private final TlsPort tls;
    private boolean closed;

    private TcpFront(Ingest ingest, TlsPort tls) {
        this.ingest = ingest;
        this.tls = tls;
        LimitsConfig limits = ingest.config().limits();
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(limits.ioThreads(), new DefaultThreadFactory("tcp-io", true), io);
        // Reserved slots matter only where a connection can prove who it is beyond its address.
        this.table = new ConnectionTable(limits.maxConnections(), limits.maxConnectionsPerAddress(),
                tls == null ? 0 : limits.reservedConnections(), ingest.metrics().activeConnections);
        this.formats = new StreamFormats(limits.maxSnaplen(), ingest.config().legacyRaw(), ingest.clock(),
                ingest.sot2(), ingest.writers().size());
    }

    /**
     * Binds the plaintext port and the TLS port (either may be null); accepting starts with
     * {@link #start}. An {@link IOException} here means a port cannot be bound (in use, no
     * permission); its message names which.
     */
    public static TcpFront bind(Ingest ingest, InetSocketAddress plain, InetSocketAddress tlsAddress, TlsPort tls)
            throws IOException {
        TcpFront f = new TcpFront(ingest, tls);
        try {
            if (plain != null) {
                f.listen(plain, false);
            }
            if (tlsAddress != null) {
                f.listen(tlsAddress, true);
            }
        } catch (IOException | RuntimeException e) {
            for (Channel s : f.servers) {
                s.close().awaitUninterruptibly();
            }
            f.group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        return f;
    }

    private void listen(InetSocketAddress at, boolean onTls) throws IOException {
        // An IPv4 bind address (0.0.0.0 included) gets a socket of the IPv4 family: a dual-stack
        // socket bound to 0.0.0.0 would also accept IPv6 senders, which the configuration excludes.
        SocketProtocolFamily family = at.getAddress() instanceof java.net.Inet4Address ? SocketProtocolFamily.INET
                : SocketProtocolFamily.INET6;
        ChannelFactory<ServerChannel> factory = Epoll.isAvailable() ? () -> new EpollServerSocketChannel(family)
                : () -> new NioServerSocketChannel(SelectorProvider.provider(), family);
        ServerBootstrap b = new ServerBootstrap().group(group).channelFactory(factory)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Not before start(): connections wait in the backlog until the writers run.
                .option(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        admit(ch, onTls);
                    }
                });
        var bound = b.bind(at).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable t = bound.cause();
            throw new IOException((onTls ? "tls " : "") + t.getMessage(), t);
        }
        servers.add(bound.channel());
    }

    public void start() {
        for (Channel s : servers) {
            s.config().setAutoRead(true);
            boolean onTls = tls != null && ((InetSocketAddress) s.localAddress()).getPort() == tls.config().port();
            log.info("listening on tcp {}{} ({} I/O threads, {})", s.localAddress(), onTls ? " (mutual TLS, " + tls.provider() + ")" : "",
                    ingest.config().limits().ioThreads(), Epoll.isAvailable() ? "epoll" : "nio");
        }
    }

    private void admit(SocketChannel ch, boolean onTls) {
        InetSocketAddress peer = ch.remoteAddress();
        Sender sender = ingest.senders().of(peer.getAddress());
        String where = (onTls ? "tls" : "tcp") + " sender " + sender.name() + " port " + peer.getPort();
        if (!ingest.senders().allowed(sender)) {
            TcpSession.resetAndClose(ch);
            ingest.rejects().rejectConnection(sender, where, RejectReason.NOT_ALLOWED, "not in allowed_senders");
            return;
        }
        if (!onTls && ingest.config().requireAuthentication()) {
            TcpSession.resetAndClose(ch);
            ingest.rejects().rejectConnection(sender, where, RejectReason.NOT_AUTHENTICATED,
                    "plaintext TCP while require_authentication is true (send to the TLS port)");
            return;
        }
        TcpSession s = new TcpSession(ch, ingest, table, formats, sender, where, onTls ? tls : null);
        // Anonymous: plaintext from anyone. A TLS connection proves its name; an allow-listed address was checked.
        boolean anonymous = !onTls && ingest.config().allowedSenders().isEmpty();
        ConnectionTable.Admission a = table.admit(s.member(), peer.getAddress(), anonymous);
        if (!a.admitted()) {
            TcpSession.resetAndClose(ch);
            ingest.rejects().rejectConnection(sender, where, a.refused(), a.detail());
            return;
        }
        if (a.victim() != null) {
            a.victim().evict(where);
        }
        ingest.metrics().acceptedConnections.incrementAndGet();
        if (!onTls) {
            sender.connections.incrementAndGet(); // a TLS one is counted for its certificate's sender
        }
        sessions.add(s);
        ch.closeFuture().addListener(f -> sessions.remove(s));
        if (onTls) {
            ch.pipeline().addLast("tls", tls.newHandler(ch));
        }
        ch.pipeline().addLast("stream", s);
    }

    /**
     * Stops accepting, lets every connection finish its record in flight (within a grace period),
     * and waits for them; then stops the event loops. Safe to call twice.
     */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel s : servers) {
            s.close().awaitUninterruptibly();
        }
        for (TcpSession s : sessions) {
            s.eventLoop().execute(s::stop);
        }
        long deadline = System.nanoTime() + TcpSession.STOP_GRACE_NANOS + TimeUnit.SECONDS.toNanos(3);
        while (table.open() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        if (table.open() > 0) {
            log.warn("{} tcp connections did not end in time", table.open());
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
