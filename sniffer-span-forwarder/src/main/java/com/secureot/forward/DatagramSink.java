package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.ForwardDropReason;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.wire.Sot1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * One packet per UDP datagram, SOT1 (the default) or the bare frame ({@code format: raw}). A
 * packet counts as forwarded when the socket accepted its datagram: UDP promises nothing more.
 * A send the socket refuses (e.g. ECONNREFUSED reported after an ICMP port unreachable) is
 * counted as {@code send_error} and takes no sequence number, so the collector's gaps are
 * network losses only.
 */
final class DatagramSink extends ForwardingSink {
    private static final Logger log = LoggerFactory.getLogger(DatagramSink.class);
    /** How often a socket that could not be opened (no route yet) is tried again. */
    private static final long REOPEN_NANOS = 1_000_000_000L;

    private final boolean sot1;
    private final int maxDatagram;
    private final int sendBufferBytes;
    private final ByteBuffer out;
    private volatile DatagramChannel channel;
    private int sequence;
    private long nextOpenNanos;
    /** The last error logged, so that a steady stream of the same error is logged once. */
    private String lastError;

    private final CollectorEndpoint endpoint;

    DatagramSink(CollectorEndpoint endpoint, ForwardConfig cfg, CaptureMetrics metrics) {
        super(endpoint, cfg, metrics);
        this.endpoint = endpoint;
        this.sot1 = cfg.format().equals("sot1");
        this.maxDatagram = cfg.maxDatagramBytes();
        this.sendBufferBytes = cfg.sendBufferBytes();
        this.out = ByteBuffer.allocateDirect(maxDatagram);
        this.nextOpenNanos = System.nanoTime();
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
        int room = sot1 ? maxDatagram - Sot1.HEADER_BYTES : maxDatagram;
        for (int i = 0; i < b.count; i++) {
            DatagramChannel ch = channel;
            if (ch == null) {
                notConnected++;
                continue;
            }
            int len = Math.min(b.capLen[i], room);
            out.clear();
            if (sot1) {
                Sot1.putHeader(out, b.linkType[i], sequence, b.tsSeconds[i], b.tsNanos[i], b.origLen[i]);
            }
            out.put(b.data, b.offset[i], len).flip();
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
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferBytes);
            ch.connect(endpoint.address());
            channel = ch;
            metrics.forwardConnected.set(1);
            metrics.forwardConnects.incrementAndGet();
            log.info("forward: sending {} datagrams to {}", sot1 ? "SOT1" : "raw", endpoint);
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
