package com.secureot.remote.ingest;

import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.wire.Sot1;
import com.secureot.pcap.metrics.RejectReason;
import com.secureot.pcap.wire.HmacSha256;
import com.secureot.remote.sender.ReplayWindow;
import com.secureot.remote.sender.Sender;
import com.secureot.remote.sender.Sensor;
import com.secureot.remote.sender.Sensors;
import com.secureot.remote.sender.SequenceStateFile;
import com.secureot.remote.sender.SequenceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Receives UDP datagrams on one thread: a SOT1 datagram keeps its timestamp, length and link
 * type and feeds its sender's loss counter; any other datagram is one legacy raw frame, stamped
 * on arrival. Sequence numbers of plain SOT1 are tracked per source address and port, so two
 * forwarders on one host do not look like losses to each other.
 *
 * <p>An authenticated SOT1 datagram is checked against its sensor's key (one MAC instance, this
 * thread's) before anything else looks at its sequence: only a verified datagram moves the
 * sensor's replay window and loss counter, which are kept per key, not per address. Under
 * {@code require_authentication} nothing else is stored. The sequence state is saved in the
 * output folder every second and at the stop, and restored at the start, so that datagrams
 * sent while the collector was down count as gaps.
 */
public final class UdpReceiver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UdpReceiver.class);
    private static final int MAX_TRACKED_SOURCES = 4096;
    /** A quiet link's packets reach the files within this (the receiver's select timeout). */
    private static final int POLL_MILLIS = 100;
    /** Covers every UDP snaplen a file header may need (a datagram holds at most 65507 bytes). */
    private static final int UDP_SNAPLEN = 65535;
    private static final int RECEIVE_BUFFER_BYTES = 16 << 20;
    private static final long SAVE_PERIOD_NANOS = 1_000_000_000L;

    private final Ingest ingest;
    private final DatagramChannel channel;
    private final Selector selector;
    private final Thread thread;
    private final ByteBuffer buffer = ByteBuffer.allocate(65536);
    private final BatchPublisher publisher;
    private final Map<SocketAddress, SequenceTracker> sequences =
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<SocketAddress, SequenceTracker> e) {
                    return size() > MAX_TRACKED_SOURCES;
                }
            };
    private final Sensors sensors;
    private final HmacSha256 hmac = new HmacSha256();
    private final boolean requireAuthentication;
    private final SequenceStateFile state;
    /** Set when a sequence moved since the last save; written by this thread only. */
    private boolean stateChanged;
    /** Some sequence was restored or seen: the stop saves the state (a TCP-only or raw-only run writes none). */
    private boolean tracked;
    private long nextSaveNanos;
    private String lastSaveError;
    private volatile boolean stopping;
    private boolean closed;

    private UdpReceiver(Ingest ingest, Sensors sensors, SequenceStateFile state, DatagramChannel channel,
                        Selector selector) {
        this.ingest = ingest;
        this.sensors = sensors;
        this.state = state;
        this.requireAuthentication = ingest.config().requireAuthentication();
        this.channel = channel;
        this.selector = selector;
        this.publisher = ingest.newPublisher();
        this.thread = new Thread(this::receiveLoop, "udp-receive");
        int restored = state.load(sensors, sequences);
        tracked = restored > 0;
        if (restored > 0) {
            log.info("udp: restored the SOT1 sequences of {} senders from {}", restored, state.path());
        }
    }

    /**
     * Binds the port; an {@link IOException} here means it cannot be bound.
     *
     * @param sensors the keys of authenticated senders (empty: authenticated datagrams are refused)
     * @param state where the sequence state lives across restarts (loaded here)
     */
    public static UdpReceiver bind(Ingest ingest, Sensors sensors, SequenceStateFile state, InetSocketAddress address)
            throws IOException {
        ProtocolFamily family = address.getAddress().getAddress().length == 16
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        DatagramChannel ch = DatagramChannel.open(family);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
            ch.bind(address);
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            return new UdpReceiver(ingest, sensors, state, ch, sel);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    public void start() {
        thread.start();
        try {
            log.info("listening on udp {} (receive buffer {} bytes)", channel.getLocalAddress(),
                    channel.getOption(StandardSocketOptions.SO_RCVBUF));
        } catch (IOException e) {
            log.debug("udp socket: {}", e.getMessage());
        }
    }

    private void receiveLoop() {
        try {
            while (!stopping) {
                if (selector.select(POLL_MILLIS) == 0) {
                    publisher.flush();
                    saveIfDue();
                    continue;
                }
                selector.selectedKeys().clear();
                SocketAddress from;
                while (!stopping && (from = channel.receive(buffer)) != null) {
                    datagram((InetSocketAddress) from, buffer.array(), buffer.position());
                    buffer.clear();
                }
                publisher.flushIfOlder();
                saveIfDue();
            }
        } catch (IOException e) {
            log.error("udp receive failed, no longer receiving: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            publisher.flush();
        }
    }

    private void datagram(InetSocketAddress from, byte[] d, int len) throws InterruptedException {
        Sender sender = ingest.senders().of(from.getAddress());
        if (!ingest.senders().allowed(sender)) {
            reject(sender, from, RejectReason.NOT_ALLOWED, "not in allowed_senders");
            return;
        }
        if (len == 0) {
            reject(sender, from, RejectReason.EMPTY, "empty datagram");
            return;
        }
        if (Sot1.isSot1(d, 0, len)) {
            Sot1.Header h = Sot1.decode(d, 0, len);
            if (h.problem() != null) {
                reject(sender, from, RejectReason.BAD_DATAGRAM, h.problem());
                return;
            }
            int max = ingest.config().limits().maxSnaplen();
            if (h.dataLength() > max) {
                reject(sender, from, RejectReason.RECORD_TOO_LARGE, "SOT1 datagram carries " + h.dataLength()
                        + " bytes, over limits.max_snaplen " + max);
                return;
            }
            if (h.authenticated()) {
                authenticated(sender, from, h, d, len);
                return;
            }
            if (requireAuthentication) {
                reject(sender, from, RejectReason.UNAUTHENTICATED,
                        "SOT1 datagram without authentication (require_authentication: true)");
                return;
            }
            sequence(sender, from, h.sequence());
            store(sender, d, h.dataOffset(), h.dataLength(), (int) h.origLen(), h.linkType(), h.sec(), h.fraction(), h.nano());
            return;
        }
        if (requireAuthentication) {
            reject(sender, from, RejectReason.UNAUTHENTICATED,
                    "datagram is not authenticated SOT1 (require_authentication: true refuses raw frames)");
            return;
        }
        if (!ingest.config().legacyRaw().enable()) {
            reject(sender, from, RejectReason.NOT_PCAP,
                    "datagram is not SOT1 and legacy raw frames are off (legacy_raw.enable: false)");
            return;
        }
        Instant now = ingest.clock().instant();
        store(sender, d, 0, len, len, ingest.config().legacyRaw().linkType(), now.getEpochSecond(), now.getNano(), true);
    }

    /** Verifies the tag, then the replay window; only then is the sequence counted and the packet stored. */
    private void authenticated(Sender sender, InetSocketAddress from, Sot1.Header h, byte[] d, int len)
            throws InterruptedException {
        Sensor sensor = sensors.byKeyId(h.keyId());
        if (sensor == null) {
            reject(sender, from, RejectReason.BAD_AUTH, "key id " + h.keyId() + " is not in udp_auth.keys");
            return;
        }
        if (!Sot1.authentic(hmac, sensor.key(), d, 0, len)) {
            reject(sender, from, RejectReason.BAD_AUTH, "tag does not match the key of " + sensor
                    + " (forged, corrupted, or the sensor uses another key)");
            return;
        }
        ReplayWindow w = sensor.window();
        ReplayWindow.Result r = w.accept(h.epoch(), h.sequence());
        switch (r) {
            case DUPLICATE -> {
                replayed(sensor, sender, from, "sequence " + h.sequence() + " of " + sensor + " was received already");
                return;
            }
            case TOO_OLD -> {
                replayed(sensor, sender, from, "sequence " + h.sequence() + " of " + sensor + " is older than the "
                        + ReplayWindow.WINDOW + "-datagram replay window (highest " + w.highest() + ")");
                return;
            }
            case STALE_EPOCH -> {
                replayed(sensor, sender, from, "epoch " + h.epoch() + " of " + sensor + " is before its current run "
                        + w.epoch() + " (a replay of a past run, or the sensor's clock went back)");
                return;
            }
            case GAP -> gaps(sensor, sender, w.lastGap());
            case LATE -> gaps(sensor, sender, -1);
            case NEW_RUN -> {
                sensor.sot1Restarts.incrementAndGet();
                sender.sot1Restarts.incrementAndGet();
                gaps(sensor, sender, w.lastGap());
                log.info("udp sensor {}: new run (epoch {}) from {} (the forwarder restarted)", sensor, h.epoch(),
                        from);
            }
            default -> {
            }
        }
        stateChanged = true;
        sensor.packets.incrementAndGet();
        store(sender, d, h.dataOffset(), h.dataLength(), (int) h.origLen(), h.linkType(), h.sec(), h.fraction(), h.nano());
    }

    private void gaps(Sensor sensor, Sender sender, long n) {
        if (n != 0) {
            sensor.sot1Gaps.addAndGet(n);
            sender.sot1Gaps.addAndGet(n);
            ingest.metrics().sot1Gaps.addAndGet(n);
        }
    }

    private void replayed(Sensor sensor, Sender sender, InetSocketAddress from, String detail) {
        sensor.replayed.incrementAndGet();
        reject(sender, from, RejectReason.REPLAYED, detail);
    }

    private void saveIfDue() {
        long now = System.nanoTime();
        if (!stateChanged || now - nextSaveNanos < 0) {
            return;
        }
        nextSaveNanos = now + SAVE_PERIOD_NANOS;
        tracked = true;
        save(false);
    }

    private void save(boolean durable) {
        try {
            state.save(sensors, sequences, durable);
            stateChanged = false;
            lastSaveError = null;
        } catch (IOException e) {
            // Like a write error of the pcap files: said once per kind, retried at the next period.
            String why = e.getClass().getSimpleName();
            if (!why.equals(lastSaveError)) {
                lastSaveError = why;
                log.error("udp: cannot save the SOT1 sequence state to {} ({}: {}); a restart would not count the "
                        + "gaps it causes", state.path(), why, e.getMessage());
            }
        }
    }

    private void sequence(Sender sender, SocketAddress from, long seq) {
        stateChanged = true;
        SequenceTracker t = sequences.get(from);
        if (t == null) {
            t = new SequenceTracker();
            sequences.put(from, t);
        }
        switch (t.accept(seq)) {
            case GAP -> {
                sender.sot1Gaps.addAndGet(t.lastGap());
                ingest.metrics().sot1Gaps.addAndGet(t.lastGap());
            }
            case LATE -> {
                // It was counted as missing when a later number arrived first.
                sender.sot1Gaps.decrementAndGet();
                ingest.metrics().sot1Gaps.decrementAndGet();
            }
            case RESTART -> {
                sender.sot1Restarts.incrementAndGet();
                log.info("udp sender {}: SOT1 sequence restarted at {} (sender restarted)", from, seq);
            }
            default -> {
            }
        }
    }

    private void store(Sender sender, byte[] d, int off, int len, int origLen, int linkType, long sec, int fraction,
                       boolean nano) throws InterruptedException {
        publisher.add(d, off, len, origLen, linkType, sec, fraction, nano, UDP_SNAPLEN, sender);
        sender.received(1, len);
        ingest.metrics().udpPackets.incrementAndGet();
        ingest.metrics().udpBytes.addAndGet(len);
    }

    private void reject(Sender sender, InetSocketAddress from, RejectReason reason, String detail) {
        ingest.rejects().reject(sender, "udp sender " + sender.name() + " port " + from.getPort(), reason, detail);
    }

    /** Stops receiving and hands the last packets over. Safe to call twice. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        selector.wakeup();
        thread.join();
        // The receiving thread is done: its state is ours to save, this time to the disk.
        if (tracked || stateChanged) {
            save(true);
        }
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            log.debug("closing the udp socket: {}", e.getMessage());
        }
    }
}
