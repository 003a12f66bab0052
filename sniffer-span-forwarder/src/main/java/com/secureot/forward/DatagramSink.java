package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.wire.HmacSha256;
import com.secureot.pcap.wire.Sot1;
import com.secureot.pcap.wire.Sot1Key;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Clock;

/**
 * One packet per UDP datagram, SOT1 (the default) or the bare frame ({@code format: raw}). A
 * packet counts as sent ({@code sent=}, the {@code forwarded} counter) when the kernel accepted
 * its datagram: UDP can know nothing more, not whether it arrived. A send the socket refuses is
 * counted as {@code send_error}, that packet is not sent, and it takes no sequence number, so the
 * collector's gaps are network losses only. On the connected socket an ICMP port unreachable
 * (nobody listening) for an earlier datagram is reported as ECONNREFUSED by the next send, which
 * fails: each such report is one {@code send_error}. So with the port closed, packets are partly
 * sent (and refused) and partly counted {@code send_error}, in a ratio set by how fast the ICMP
 * errors come back; a replay then exits 75.
 *
 * <p>With {@code forward.auth} each SOT1 datagram is authenticated: built in a heap array (the
 * MAC reads arrays), tagged with HMAC-SHA-256 under the sensor's key, and numbered with a 64-bit
 * sequence within this run's epoch ({@link RunEpoch}: the start time, rising across restarts),
 * so that the collector tells a restart from a replay of a past run.
 */
final class DatagramSink extends ForwardingSink {
    private static final Logger log = LoggerFactory.getLogger(DatagramSink.class);
    /** How often a socket that could not be opened (no route yet) is tried again. */
    private static final long REOPEN_NANOS = 1_000_000_000L;

    private final boolean sot1;
    private final int maxDatagram;
    private final int sendBufferBytes;
    private final ByteBuffer out;
    /** Authenticated: the key, null otherwise; the MAC state and the datagram array it reads. */
    private final Sot1Key key;
    private final HmacSha256 hmac;
    private final byte[] sealed;
    private final Path stateDir;
    /** The run's epoch, fixed before the first datagram (at the first open); 0 until then. */
    private long epoch;
    private volatile DatagramChannel channel;
    private long sequence;
    private long nextOpenNanos;
    /** The last error logged, so that a steady stream of the same error is logged once. */
    private String lastError;

    private final CollectorEndpoint endpoint;

    DatagramSink(CollectorEndpoint endpoint, ForwardConfig cfg, CaptureMetrics metrics, Path stateDir) {
        super(endpoint, cfg, metrics);
        this.endpoint = endpoint;
        this.stateDir = stateDir;
        this.sot1 = cfg.format().equals("sot1");
        this.maxDatagram = cfg.maxDatagramBytes();
        this.sendBufferBytes = cfg.sendBufferBytes();
        this.key = cfg.auth().key();
        if (key != null) {
            this.hmac = new HmacSha256();
            this.sealed = new byte[maxDatagram];
            this.out = ByteBuffer.wrap(sealed);
            if (key.othersMayRead()) {
                log.warn("forward.auth.key_file: \"{}\" may be read by every user of this host; make it readable "
                        + "by the daemon only (chmod 0640, group of the service)", key.file());
            }
        } else {
            this.hmac = null;
            this.sealed = null;
            this.out = ByteBuffer.allocateDirect(maxDatagram);
        }
        this.nextOpenNanos = System.nanoTime();
        metrics.forwardsDatagrams();
    }

    @Override
    protected void send(PacketBatch b) {
        if (channel == null && !open()) {
            metrics.forwardDrop(ForwardDropReason.NOT_CONNECTED, b.count);
            return;
        }
        long sent = 0;
        long bytes = 0;
        long errors = 0;
        long notConnected = 0;
        int room = key != null ? maxDatagram - Sot1.HEADER_BYTES - Sot1.AUTH_OVERHEAD
                : sot1 ? maxDatagram - Sot1.HEADER_BYTES : maxDatagram;
        for (int i = 0; i < b.count; i++) {
            DatagramChannel ch = channel;
            if (ch == null) {
                notConnected++;
                continue;
            }
            int len = Math.min(b.capLen[i], room);
            out.clear();
            if (key != null) {
                Sot1.putAuthenticatedHeader(out, b.linkType[i], sequence, b.tsSeconds[i], b.tsFraction[i],
                        b.nanoPrecision[i], b.origLen[i], key.id(), epoch);
                out.put(b.data, b.offset[i], len);
                out.position(Sot1.seal(hmac, key, sealed, out.position()));
            } else if (sot1) {
                Sot1.putHeader(out, b.linkType[i], (int) sequence, b.tsSeconds[i], b.tsFraction[i], b.nanoPrecision[i],
                        b.origLen[i]);
                out.put(b.data, b.offset[i], len);
            } else {
                out.put(b.data, b.offset[i], len);
            }
            out.flip();
            try {
                ch.write(out);
                sequence++;
                sent++;
                bytes += len;
            } catch (ClosedChannelException e) {
                // Closed by the drain watchdog: nothing more goes out.
                channel = null;
                notConnected++;
            } catch (IOException e) {
                errors++;
                logError(e);
            }
        }
        metrics.forwarded.addAndGet(sent);
        metrics.forwardedBytes.addAndGet(bytes);
        if (errors > 0) {
            metrics.forwardDrop(ForwardDropReason.SEND_ERROR, errors);
        }
        if (notConnected > 0) {
            metrics.forwardDrop(ForwardDropReason.NOT_CONNECTED, notConnected);
        }
    }

    private boolean open() {
        if (drainExpired() || System.nanoTime() - nextOpenNanos < 0) {
            return false;
        }
        if (key != null && epoch == 0) {
            // On the worker thread, once: the output folder exists by now.
            epoch = RunEpoch.next(stateDir, Clock.systemUTC());
        }
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
            ch.connect(endpoint.address());
            channel = ch;
            metrics.forwardConnected.set(1);
            metrics.forwardConnects.incrementAndGet();
            if (key != null) {
                log.info("forward: sending authenticated SOT1 datagrams to {} (key id {}, epoch {})", endpoint,
                        key.id(), epoch);
            } else {
                log.info("forward: sending {} datagrams to {}", sot1 ? "SOT1" : "raw", endpoint);
            }
            lastError = null;
            return true;
        } catch (IOException e) {
            close(ch);
            nextOpenNanos = System.nanoTime() + REOPEN_NANOS;
            logError(e);
            return false;
        }
    }

    private void logError(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!m.equals(lastError)) {
            lastError = m;
            log.warn("forward: sending to {} failed: {}; such packets are counted as send errors", endpoint, m);
        }
    }

    @Override
    protected void idle() {
        if (channel == null) {
            open();
        }
    }

    @Override
    protected void abort() {
        close(channel);
    }

    @Override
    protected void finish() {
        close(channel);
        channel = null;
        metrics.forwardConnected.set(0);
    }

    private static void close(DatagramChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing is buffered in a datagram socket: closing cannot lose anything.
            }
        }
    }
}
