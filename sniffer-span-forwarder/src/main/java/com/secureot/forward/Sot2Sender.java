package com.secureot.forward;

import com.secureot.forward.spool.Cursor;
import com.secureot.forward.spool.Spool;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.wire.Sot2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import static com.secureot.forward.ConnectionErrors.closeQuietly;
import static com.secureot.forward.ConnectionErrors.describe;

/**
 * The thread that owns the SOT2 connection: connects (capped back-off), says hello, learns from
 * the welcome where the collector stands, then sends the spool. Live records (appended since the
 * connection began) go first; the backlog before them (unacknowledged when the connection began)
 * is resent in between, paced by {@code forward.backfill_rate_mbps}. A second thread reads the
 * acknowledgements and frees the spool. A collector that acknowledges nothing for
 * {@link #ACK_TIMEOUT_MILLIS} while records wait is taken for dead and the connection is made anew.
 * With {@code forward.tls} the same stream runs inside mutual TLS ({@link CollectorLink}); the
 * collector then knows this sensor by its certificate's name, which its welcome gives back.
 */
final class Sot2Sender implements SpoolSender {
    private static final Logger log = LoggerFactory.getLogger(Sot2Sender.class);
    private static final int FRAME_BYTES = 1 << 20;
    private static final int MAX_RECORDS = 4096;
    private static final int KEEPALIVE_MILLIS = 2000;
    static final int ACK_TIMEOUT_MILLIS = 30_000;
    private static final int WELCOME_TIMEOUT_MILLIS = 10_000;

    private final CollectorEndpoint endpoint;
    private final ForwardConfig cfg;
    private final CaptureMetrics metrics;
    private final Spool spool;
    private final String sensorId;
    /** The TLS material, or null for plaintext. */
    private final ForwardTls tls;
    /** Whether the collector's name for this sensor (its certificate's) was logged as differing from sensor_id. */
    private boolean nameDifferenceLogged;
    private final Backoff backoff;
    private final Thread thread;
    private final byte[] frame = new byte[FRAME_BYTES + Sot2.FRAME_HEADER_BYTES + Sot2.BATCH_HEADER_BYTES];
    private final ByteBuffer frameBuf = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
    private volatile boolean stopping;
    /** The connection's socket (being connected, or connected), for {@link #close} to end it; or null. */
    private volatile SocketChannel socket;
    /** Highest acknowledged sequence; guarded by this for waiting. */
    private long acked;
    private long lastAckNanos;
    private boolean outageLogged;
    private int failedAttempts;
    // Backfill pacing: a token bucket in bits.
    private double tokens;
    private long tokensAtNanos;
    private long backfillBitsWindow;
    private long backfillWindowStart = System.nanoTime();
    /** The first record this process appended: on its first connection, those are live, not a backlog. */
    private final long firstOfThisRun;
    private boolean connectedBefore;
    private final long startNanos = System.nanoTime();
    private static final long FIRST_CONNECT_GRACE_NANOS = 5_000_000_000L;

    /** @param tls the loaded {@code forward.tls} material, or null for plaintext */
    Sot2Sender(CollectorEndpoint endpoint, ForwardConfig cfg, CaptureMetrics metrics, Spool spool, String sensorId,
               ForwardTls tls) {
        this.endpoint = endpoint;
        this.tls = tls;
        this.cfg = cfg;
        this.metrics = metrics;
        this.spool = spool;
        this.sensorId = sensorId;
        this.backoff = new Backoff(cfg.reconnectMinMillis(), cfg.reconnectMaxMillis());
        this.acked = spool.acked();
        this.firstOfThisRun = spool.nextSequence();
        this.thread = new Thread(this::run, "forward-sot2");
        thread.setDaemon(true);
    }

    @Override
    public void start() {
        thread.start();
    }

    /** Updates the backfill rate gauge (any thread). */
    @Override
    public void gauges() {
        long now = System.nanoTime();
        if (now - backfillWindowStart > 1_000_000_000L) {
            synchronized (this) {
                metrics.forwardBackfillBitsPerSecond.set(backfillBitsWindow * 1_000_000_000L
                        / Math.max(1, now - backfillWindowStart));
                backfillBitsWindow = 0;
                backfillWindowStart = now;
            }
        }
    }

    private void run() {
        while (!stopping) {
            CollectorLink s = connect();
            if (s == null) {
                sleep(backoff.next());
                continue;
            }
            try {
                serve(s);
            } catch (IOException e) {
                if (!stopping) {
                    log.warn("forward: connection to {} lost: {}; packets wait in the spool until it is back",
                            endpoint, describe(e));
                    outageLogged = true;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                s.close();
                socket = null;
                metrics.forwardConnected.set(0);
            }
            if (!stopping) {
                sleep(backoff.next());
            }
        }
    }

    private CollectorLink connect() {
        try {
            return CollectorLink.open(endpoint, cfg, tls, ch -> socket = ch);
        } catch (IOException e) {
            socket = null;
            failedAttempts++;
            if (!outageLogged) {
                outageLogged = true;
                log.warn("forward: cannot connect to {}: {}; packets wait in the spool, retrying with back-off",
                        endpoint, describe(e));
            } else {
                log.debug("forward: attempt {} to connect to {} failed: {}", failedAttempts, endpoint, describe(e));
            }
            return null;
        }
    }

    private void serve(CollectorLink s) throws IOException, InterruptedException {
        OutputStream out = s.out();
        InputStream in = s.in();
        ByteBuffer hello = ByteBuffer.allocate(Sot2.HELLO_FIXED_BYTES + Sot2.MAX_SENSOR_ID_BYTES);
        Sot2.putHello(hello, spool.streamId(), sensorId);
        out.write(hello.array(), 0, hello.position());
        out.flush();
        s.readTimeout(WELCOME_TIMEOUT_MILLIS);
        DataInputStream din = new DataInputStream(in);
        byte[] w = new byte[Sot2.WELCOME_FIXED_BYTES];
        din.readFully(w);
        ByteBuffer wb = ByteBuffer.wrap(w);
        if (wb.getInt(0) != Sot2.MAGIC) {
            throw new IOException(String.format("the collector answered 0x%08x, not SOT2 (an older collector?)",
                    wb.getInt(0)));
        }
        int status = w[5] & 0xFF;
        long resume = wb.getLong(8);
        byte[] text = new byte[wb.getShort(16) & 0xFFFF];
        din.readFully(text);
        String t = new String(text, StandardCharsets.UTF_8);
        if (status != Sot2.ACCEPTED) {
            throw new IOException("the collector refused the stream: " + t);
        }
        s.readTimeout(0);
        backoff.reset();
        metrics.forwardConnected.set(1);
        metrics.forwardConnects.incrementAndGet();
        log.info("forward: connected to {} as sensor {} (SOT2{}, stream {}); the collector holds up to {}, {} "
                + "packets to send", endpoint, t, s.tls() ? " over mutual TLS, collector verified as "
                + tls.serverName() : "", Long.toHexString(spool.streamId()), resume,
                spool.nextSequence() - 1 - Math.max(resume, spool.acked()));
        if (!t.equals(sensorId) && !nameDifferenceLogged) {
            // The certificate's name is the identity (docs/wire-formats.md, SOT2 hello); said once per run.
            nameDifferenceLogged = true;
            log.warn("forward: the collector knows this sensor as {} (its TLS certificate's name), not as "
                    + "forward.sensor_id {}; its files and stream state are under {}", t, sensorId, t);
        }
        failedAttempts = 0;
        outageLogged = false;
        long mine = spool.acked();
        acknowledged(resume);
        if (resume < mine) {
            // Acknowledged before by a collector that no longer knows it (its state was lost):
            // those records are gone from the spool, and the collector must not wait for them.
            ByteBuffer k = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES + 18).order(ByteOrder.BIG_ENDIAN);
            Sot2.putSkip(k, resume + 1, mine, 0);
            out.write(k.array());
            out.flush();
            log.warn("forward: the collector {} knows records up to {} only; {}..{} were acknowledged before and "
                    + "are no longer in the spool", endpoint, resume, resume + 1, mine);
        }

        // Live: what was appended since the connection began (since the start, on the first one);
        // before it, what a previous connection or run left unacknowledged: resent at the backfill pace.
        // A first connection within seconds of the start had no outage: what this run appended is live.
        boolean outage = connectedBefore || System.nanoTime() - startNanos > FIRST_CONNECT_GRACE_NANOS;
        long liveStart = outage ? spool.nextSequence() : Math.min(firstOfThisRun, spool.nextSequence());
        connectedBefore = true;
        long backfillFrom = Math.max(acked + 1, spool.firstSequence());
        lastAckNanos = System.nanoTime();
        Thread reader = new Thread(() -> readAcks(din, s), "forward-sot2-acks");
        reader.setDaemon(true);
        reader.start();
        try (Cursor live = spool.cursor(liveStart);
             Cursor backfill = backfillFrom < liveStart ? spool.cursor(backfillFrom) : null) {
            sendLoop(s, out, live, backfill, liveStart);
        } finally {
            s.close();
            reader.join(1000);
        }
    }

    private void sendLoop(CollectorLink s, OutputStream out, Cursor live, Cursor backfill, long liveStart)
            throws IOException, InterruptedException {
        long lastSendNanos = System.nanoTime();
        boolean backfilling = backfill != null;
        tokensAtNanos = System.nanoTime();
        tokens = 0;
        while (!stopping) {
            if (s.isClosed()) {
                throw new IOException("the collector closed the connection");
            }
            int n = sendFrom(out, live, Long.MAX_VALUE, FRAME_BYTES);
            if (n == 0 && backfilling) {
                int budget = backfillBudget();
                if (budget > 0) {
                    n = sendFrom(out, backfill, liveStart, budget);
                    if (n > 0) {
                        metrics.forwardResent.addAndGet(n);
                    }
                }
                if (backfill.next() >= liveStart) {
                    backfilling = false;
                    log.info("forward: backlog resent to {}", endpoint);
                }
            }
            long now = System.nanoTime();
            if (n != 0) {
                lastSendNanos = now;
                continue;
            }
            synchronized (this) {
                long sent = live.next() - 1;
                if (acked < sent && now - lastAckNanos > ACK_TIMEOUT_MILLIS * 1_000_000L) {
                    throw new IOException("no acknowledgement for " + ACK_TIMEOUT_MILLIS / 1000 + " s");
                }
            }
            if (now - lastSendNanos > KEEPALIVE_MILLIS * 1_000_000L) {
                ByteBuffer k = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES);
                Sot2.putKeepalive(k);
                out.write(k.array());
                out.flush();
                lastSendNanos = now;
            }
            spool.awaitAfter(live.next() - 1, backfilling ? 5 : 50);
        }
    }

    /** Bytes the backfill may send now; refills the bucket (0 = unpaced). */
    private int backfillBudget() {
        long rate = cfg.backfillRateBitsPerSecond();
        if (rate == 0) {
            return FRAME_BYTES;
        }
        long now = System.nanoTime();
        tokens = Math.min(tokens + rate * ((now - tokensAtNanos) / 1e9), Math.max(rate / 10.0, 8.0 * (256 << 10)));
        tokensAtNanos = now;
        return tokens <= 0 ? 0 : (int) Math.min(FRAME_BYTES, Math.max(tokens / 8, 64 << 10));
    }

    /** Sends one frame from the cursor (a batch, or a skip); returns records (or skipped ones) sent. */
    private int sendFrom(OutputStream out, Cursor c, long before, int maxBytes) throws IOException {
        frameBuf.clear();
        frameBuf.position(Sot2.FRAME_HEADER_BYTES + Sot2.BATCH_HEADER_BYTES);
        frameBuf.limit(Math.min(frameBuf.capacity(), frameBuf.position() + maxBytes));
        long first = c.next();
        int n = c.fill(frameBuf, MAX_RECORDS, before);
        if (n < 0) {
            long a = c.skippedFirst();
            long b = c.skippedLast();
            ByteBuffer k = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES + 18).order(ByteOrder.BIG_ENDIAN);
            Sot2.putSkip(k, a, b, Sot2.SKIP_SPOOL_FULL);
            out.write(k.array());
            out.flush();
            if (c.skippedCorrupt()) {
                metrics.forwardDrop(ForwardDropReason.SPOOL_ERROR, b - a + 1);
            }
            return (int) Math.min(Integer.MAX_VALUE, b - a + 1);
        }
        if (n == 0) {
            return 0;
        }
        int end = frameBuf.position();
        int body = end - Sot2.FRAME_HEADER_BYTES;
        frameBuf.clear();
        Sot2.putFrameHeader(frameBuf, Sot2.BATCH, body);
        Sot2.putBatchHeader(frameBuf, first, n, c.snaplen());
        out.write(frame, 0, end);
        out.flush();
        long data = end - Sot2.FRAME_HEADER_BYTES - Sot2.BATCH_HEADER_BYTES - (long) n * Sot2.RECORD_HEADER_BYTES;
        metrics.forwardedBytes.addAndGet(data);
        if (before != Long.MAX_VALUE) {
            tokens -= 8.0 * (end);
            synchronized (this) {
                backfillBitsWindow += 8L * end;
            }
        }
        return n;
    }

    private void readAcks(DataInputStream in, CollectorLink s) {
        byte[] h = new byte[Sot2.FRAME_HEADER_BYTES];
        try {
            while (true) {
                in.readFully(h);
                ByteBuffer hb = ByteBuffer.wrap(h);
                int type = h[0] & 0xFF;
                int len = hb.getInt(4);
                if (len < 0 || len > Sot2.MAX_TEXT_BYTES + 8) {
                    throw new IOException("the collector sent a frame of " + Integer.toUnsignedString(len)
                            + " bytes");
                }
                byte[] body = new byte[len];
                in.readFully(body);
                if (type == Sot2.ACK && len == 8) {
                    acknowledged(ByteBuffer.wrap(body).getLong());
                } else if (type == Sot2.ERROR && len >= 4) {
                    int tl = ByteBuffer.wrap(body).getShort(2) & 0xFFFF;
                    log.warn("forward: the collector {} ends the connection: {}", endpoint,
                            new String(body, 4, Math.min(tl, len - 4), StandardCharsets.UTF_8));
                } else {
                    throw new IOException(String.format("the collector sent frame type 0x%02x of %d bytes", type, len));
                }
            }
        } catch (EOFException e) {
            log.debug("forward: the collector closed the connection");
        } catch (SocketTimeoutException e) {
            log.debug("forward: ack reader timed out");
        } catch (IOException e) {
            log.debug("forward: reading acknowledgements: {}", e.getMessage());
        } finally {
            s.close(); // the sending loop sees it and reconnects
        }
    }

    private void acknowledged(long seq) {
        long before;
        synchronized (this) {
            before = acked;
            if (seq > acked) {
                acked = seq;
                notifyAll();
            }
            lastAckNanos = System.nanoTime();
        }
        if (seq > before) {
            long newly = spool.ackUpTo(seq);
            if (newly > 0) {
                metrics.forwarded.addAndGet(newly);
            }
        }
    }

    /** Waits until every record up to {@code seq} is acknowledged; false after {@code millis}. */
    @Override
    public boolean awaitAcked(long seq, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (this) {
            while (Math.max(acked, spool.acked()) < seq) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                wait(Math.min(left, 100));
            }
        }
        return true;
    }

    @Override
    public void close() {
        stopping = true;
        closeQuietly(socket);
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            stopping = true;
        }
    }
}
