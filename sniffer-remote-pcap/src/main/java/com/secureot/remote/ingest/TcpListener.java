package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.sender.Sender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Accepts TCP connections and serves each on its own thread, so a slow or silent sender never
 * stalls another. Senders off the allow-list and connections beyond {@code limits.max_connections}
 * are closed at once, counted and logged.
 */
public final class TcpListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

    private final Ingest ingest;
    private final ServerSocket server;
    private final Thread thread;
    private final Map<TcpConnection, Thread> connections = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private boolean closed;

    private TcpListener(Ingest ingest, ServerSocket server) {
        this.ingest = ingest;
        this.server = server;
        this.thread = new Thread(this::acceptLoop, "tcp-accept");
    }

    /** Binds the port; an {@link IOException} here means it cannot be bound (in use, no permission). */
    public static TcpListener bind(Ingest ingest, InetSocketAddress address) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 512);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new TcpListener(ingest, s);
    }

    public void start() {
        thread.start();
        log.info("listening on tcp {}", server.getLocalSocketAddress());
    }

    private void acceptLoop() {
        while (!stopping) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!stopping) {
                    log.error("tcp accept failed, no longer accepting: {}", e.getMessage());
                }
                return;
            }
            admit(s);
        }
    }

    private void admit(Socket s) {
        Sender sender = ingest.senders().of(s.getInetAddress());
        String where = "tcp sender " + sender.name() + " port " + s.getPort();
        if (!ingest.senders().allowed(sender)) {
            closeQuietly(s);
            ingest.rejects().reject(sender, where, RejectReason.NOT_ALLOWED, "not in allowed_senders");
            return;
        }
        int max = ingest.config().limits().maxConnections();
        if (ingest.metrics().activeConnections.get() >= max) {
            closeQuietly(s);
            ingest.rejects().reject(sender, where, RejectReason.TOO_MANY_CONNECTIONS,
                    max + " connections already open (limits.max_connections)");
            return;
        }
        ingest.metrics().activeConnections.incrementAndGet();
        ingest.metrics().acceptedConnections.incrementAndGet();
        sender.connections.incrementAndGet();
        TcpConnection[] self = new TcpConnection[1];
        self[0] = new TcpConnection(s, sender, ingest.newPublisher(), ingest.metrics(), ingest.rejects(),
                ingest.config().legacyRaw(), ingest.config().limits(), ingest.clock(), () -> {
                    connections.remove(self[0]);
                    ingest.metrics().activeConnections.decrementAndGet();
                }, ingest.sot2(), ingest.writers().size());
        Thread t = new Thread(self[0], "tcp-" + sender.name() + "-" + s.getPort());
        t.setDaemon(true);
        connections.put(self[0], t);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing was received; nothing to report
        }
    }

    /**
     * Stops accepting, lets every connection finish its record in flight, and waits for them.
     * Safe to call twice.
     */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the tcp listener: {}", e.getMessage());
        }
        thread.join();
        connections.keySet().forEach(TcpConnection::stop);
        long deadline = System.nanoTime() + TcpConnection.STOP_GRACE_NANOS + TimeUnit.SECONDS.toNanos(3);
        for (Thread t : connections.values()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            t.join(Math.max(1, left));
            if (t.isAlive()) {
                log.warn("{} did not end in time", t.getName());
            }
        }
    }
}
