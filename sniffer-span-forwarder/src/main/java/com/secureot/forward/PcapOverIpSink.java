package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.io.PcapFileWriter;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.packet.Timestamps;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import static com.secureot.forward.ConnectionErrors.closeQuietly;
import static com.secureot.forward.ConnectionErrors.describe;

/**
 * PCAP-over-IP: one long-lived TCP connection carrying a pcap stream, a global header at the start
 * of each connection. Writes block while the collector is slow (the queue in front absorbs that);
 * while disconnected, packets are counted as {@code not_connected} at once and the connection is
 * retried with capped exponential back-off. State changes are logged once, never per packet.
 * With {@code forward.tls}, the stream runs inside mutual TLS ({@link TlsChannel}): a collector
 * that cannot be verified is an outage like one that cannot be reached, and no byte of a packet
 * is written before the handshake verified it.
 */
final class PcapOverIpSink extends ForwardingSink {
    private static final Logger log = LoggerFactory.getLogger(PcapOverIpSink.class);
    private static final int BUFFER_BYTES = 256 * 1024;
    // Keepalive probes: a silent OT link stays open through firewalls; a dead peer is seen in ~2 min.
    private static final int KEEPALIVE_IDLE_SECONDS = 60;
    private static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    private static final int KEEPALIVE_PROBES = 6;

    private final int connectTimeoutMillis;
    private final int sendBufferBytes;
    private final Backoff backoff;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final ByteBuffer probe = ByteBuffer.allocate(512);

    /** The connection, or null; volatile so that the drain watchdog can close it. */
    private volatile SocketChannel channel;
    /** The socket being connected; volatile so that the drain watchdog can abort the attempt. */
    private volatile SocketChannel pending;
    /** The stream's writer; null until the first packet gives the header's fields. */
    private PcapFileWriter writer;
    private int streamLinkType = -1;
    private boolean streamNano;
    private int streamSnaplen;
    private long nextAttemptNanos;
    /** True once the current outage has been logged, so that retries stay quiet. */
    private boolean outageLogged;
    private int failedAttempts;

    /** The TLS settings, or null for plaintext. */
    private final ForwardTls tls;
    /** The TLS layer over {@link #channel}, or null. */
    private TlsChannel secure;

    private final CollectorEndpoint endpoint;

    PcapOverIpSink(CollectorEndpoint endpoint, ForwardConfig cfg, CaptureMetrics metrics, ForwardTls tls) {
        super(endpoint, cfg, metrics);
        this.endpoint = endpoint;
        this.tls = tls;
        this.connectTimeoutMillis = cfg.connectTimeoutMillis();
        this.sendBufferBytes = cfg.sendBufferBytes();
        this.backoff = new Backoff(cfg.reconnectMinMillis(), cfg.reconnectMaxMillis());
        this.nextAttemptNanos = System.nanoTime();
    }

    @Override
    protected void send(PacketBatch b) {
        if (b.count == 0) {
            return;
        }
        if (streamLinkType < 0) {
            // The stream's header comes from the first packet and stays for every later connection.
            streamLinkType = b.linkType[0];
            streamNano = b.nanoPrecision[0];
            streamSnaplen = b.snaplen[0];
        }
        if (channel == null) {
            connectIfDue();
        }
        long notConnected = 0;
        long mismatch = 0;
        long sendErrors = 0;
        for (int i = 0; i < b.count; i++) {
            if (b.linkType[i] != streamLinkType) {
                mismatch++;
                continue;
            }
            if (channel == null) {
                notConnected++;
                continue;
            }
            try {
                if (writer == null) {
                    writer = new PcapFileWriter(secure != null ? secure : channel, buffer, streamNano, streamLinkType,
                            streamSnaplen, true, 0);
                }
                int fraction = b.nanoPrecision[i] == streamNano ? b.tsFraction[i]
                        : Timestamps.convert(b.tsFraction[i], b.nanoPrecision[i], streamNano);
                writer.append(b.tsSeconds[i], fraction, b.data, b.offset[i], b.capLen[i], b.origLen[i]);
            } catch (IOException e) {
                sendErrors += 1 + lost(e);
            }
        }
        if (writer != null) {
            try {
                writer.flush();
                countFlushed();
            } catch (IOException e) {
                sendErrors += lost(e);
            }
        }
        count(ForwardDropReason.NOT_CONNECTED, notConnected);
        count(ForwardDropReason.LINK_TYPE_MISMATCH, mismatch);
        count(ForwardDropReason.SEND_ERROR, sendErrors);
    }

    @Override
    protected void idle() {
        SocketChannel ch = channel;
        if (ch == null) {
            connectIfDue();
            return;
        }
        // The collector never sends: a readable end of stream means it closed or restarted.
        // Seeing that between batches keeps packets from being written into a dead connection.
        try {
            ch.configureBlocking(false);
            int n;
            do {
                probe.clear();
                n = ch.read(probe);
            } while (n > 0);
            ch.configureBlocking(true);
            if (n < 0) {
                count(ForwardDropReason.SEND_ERROR, lost(new IOException("the collector closed the connection")));
            }
        } catch (IOException e) {
            count(ForwardDropReason.SEND_ERROR, lost(e));
        }
    }

    private void connectIfDue() {
        if (drainExpired() || System.nanoTime() - nextAttemptNanos < 0) {
            return;
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
            setKeepaliveTiming(ch);
            pending = ch;
            ch.socket().connect(endpoint.address(), connectTimeoutMillis);
            if (tls != null) {
                TlsChannel t = new TlsChannel(ch, tls.engine(endpoint.address().getPort()), BUFFER_BYTES);
                t.handshake(Math.max(connectTimeoutMillis, TlsChannel.HANDSHAKE_MIN_MILLIS),
                        Math.min(connectTimeoutMillis, TlsChannel.SETTLE_MILLIS));
                secure = t;
            }
        } catch (IOException e) {
            secure = null;
            closeQuietly(ch);
            pending = null;
            failedAttempts++;
            long wait = backoff.next();
            nextAttemptNanos = System.nanoTime() + wait * 1_000_000L;
            if (!outageLogged) {
                outageLogged = true;
                log.warn("forward: cannot connect to {}: {}; packets are counted as not forwarded, retrying "
                        + "with back-off", endpoint, describe(e));
            } else {
                log.debug("forward: attempt {} to connect to {} failed: {}; next in {} ms", failedAttempts,
                        endpoint, describe(e), wait);
            }
            return;
        }
        pending = null;
        channel = ch;
        writer = null;
        backoff.reset();
        metrics.forwardConnected.set(1);
        metrics.forwardConnects.incrementAndGet();
        log.info("forward: connected to {}{}{}", endpoint, tls == null ? "" : " (mutual TLS, collector verified as "
                + tls.serverName() + ", " + tls.provider() + ")", failedAttempts > 0 ? " after " + failedAttempts + " failed attempts" : "");
        failedAttempts = 0;
        outageLogged = false;
        if (drainExpired()) {
            abort();
            return;
        }
        sendHeaderOfKnownStream();
    }

    /**
     * A reconnection whose stream's fields are known sends its global header at once, not with
     * the next packet: on a quiet link the collector would otherwise see a silent connection and
     * close it at limits.first_bytes_timeout_seconds (then again at each reconnection).
     */
    private void sendHeaderOfKnownStream() {
        if (streamLinkType < 0) {
            return;
        }
        try {
            writer = new PcapFileWriter(secure != null ? secure : channel, buffer, streamNano, streamLinkType,
                    streamSnaplen, true, 0);
            writer.flush();
        } catch (IOException e) {
            count(ForwardDropReason.SEND_ERROR, lost(e));
        }
    }

    private void setKeepaliveTiming(SocketChannel ch) {
        try {
            ch.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
            ch.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_INTERVAL_SECONDS);
            ch.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
        } catch (UnsupportedOperationException | IOException e) {
            log.debug("forward: keepalive timing not settable here ({}); using the system's", e.toString());
        }
    }

    /**
     * Forgets the connection after an error; returns how many buffered records it lost.
     * Records that had reached the socket before are counted as forwarded.
     */
    private long lost(IOException e) {
        long lostRecords = 0;
        if (writer != null) {
            countFlushed();
            lostRecords = writer.discardBuffered();
            writer = null;
        }
        closeQuietly(channel);
        channel = null;
        secure = null;
        metrics.forwardConnected.set(0);
        long wait = backoff.next();
        nextAttemptNanos = System.nanoTime() + wait * 1_000_000L;
        if (drainExpired()) {
            log.debug("forward: connection to {} aborted at the end of the drain", endpoint);
        } else {
            outageLogged = true;
            log.warn("forward: connection to {} lost: {}; packets are counted as not forwarded until it is back",
                    endpoint, describe(e));
        }
        return lostRecords;
    }

    private void countFlushed() {
        metrics.forwarded.addAndGet(writer.takeFlushedRecords());
        metrics.forwardedBytes.addAndGet(writer.takeFlushedDataBytes());
    }

    private void count(ForwardDropReason reason, long packets) {
        if (packets > 0) {
            metrics.forwardDrop(reason, packets);
        }
    }

    @Override
    protected void abort() {
        closeQuietly(pending);
        closeQuietly(channel);
    }

    @Override
    protected void finish() {
        SocketChannel ch = channel;
        if (ch == null) {
            return;
        }
        try {
            if (writer != null) {
                writer.flush();
                countFlushed();
            }
            if (secure != null) {
                secure.closeOutbound();
            }
            // FIN after the last whole record: the collector sees a clean end of stream.
            ch.shutdownOutput();
            ch.close();
            log.info("forward: closed the connection to {}", endpoint);
        } catch (IOException e) {
            count(ForwardDropReason.SEND_ERROR, lost(e));
        } finally {
            closeQuietly(ch);
            channel = null;
            secure = null;
            metrics.forwardConnected.set(0);
        }
    }
}
