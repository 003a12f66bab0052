package com.secureot.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A PCAP-over-IP reader nobody in the project wrote: a plain {@link ServerSocket} that saves each
 * connection's bytes to its own file, like {@code nc -l PORT > x.pcap}.
 */
final class StreamSaver implements AutoCloseable {
    private final ServerSocket server;
    private final Path dir;
    private final List<Path> files = new ArrayList<>();
    private final List<Thread> copiers = new ArrayList<>();
    private final Thread acceptor;
    private volatile Socket current;

    StreamSaver(Path dir, int port) throws IOException {
        this.dir = dir;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptor = new Thread(this::acceptLoop, "saver-accept");
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                current = s;
                Path f;
                synchronized (files) {
                    f = dir.resolve("stream-" + files.size() + ".pcap");
                    files.add(f);
                    files.notifyAll();
                }
                Thread t = new Thread(() -> copy(s, f), "saver-copy");
                synchronized (files) {
                    copiers.add(t);
                }
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void copy(Socket s, Path f) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = Files.newOutputStream(f)) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // Closed by the test (collector "killed"): what arrived is in the file.
        }
    }

    /** Waits for the {@code n}-th connection; returns its file. */
    Path awaitConnection(int n, long timeoutSeconds) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutSeconds * 1000;
        synchronized (files) {
            while (files.size() < n) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("no connection " + n + " within " + timeoutSeconds + " s");
                }
                files.wait(left);
            }
            return files.get(n - 1);
        }
    }

    /** Waits until every connection has ended (the sender closed it) and its file is complete. */
    List<Path> awaitStreamsEnded() throws InterruptedException {
        List<Thread> ts;
        synchronized (files) {
            ts = List.copyOf(copiers);
        }
        for (Thread t : ts) {
            t.join();
        }
        synchronized (files) {
            return List.copyOf(files);
        }
    }

    /** Stops listening and drops the current connection, as a collector that is killed. */
    @Override
    public void close() throws IOException {
        server.close();
        Socket s = current;
        if (s != null) {
            s.close();
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
