package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.pipeline.BatchPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code capture.threads} above 1: that many packet ring sockets on one interface in one
 * PACKET_FANOUT group, each with its ring, its filter, its capture thread and its publisher. The
 * kernel gives each frame to one socket by its flow hash, which is symmetric and, for an IP
 * fragment, taken over the addresses only: every frame of a flow (both directions) and every
 * fragment of a datagram goes to the same socket, so order within a flow is kept; frames of
 * different flows reach the writers through different threads, up to a ring block apart.
 *
 * <p>No PACKET_FANOUT_FLAG_DEFRAG: the kernel would then hand over reassembled datagrams
 * instead of the fragments on the wire, and the files must hold the frames tcpdump would.
 */
final class FanoutCapture implements PacketCapture {
    private static final Logger log = LoggerFactory.getLogger(FanoutCapture.class);
    private final String interfaceName;
    /** Socket 0 runs on the caller's thread and counts the interface's own drops. */
    private final List<RingCapture> rings;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private boolean closed;

    private FanoutCapture(CaptureConfig c, List<RingCapture> rings) {
        this.interfaceName = c.interfaceName();
        this.rings = List.copyOf(rings);
    }

    /**
     * Opens {@code c.threads()} sockets. Each joins the group with a filter that takes nothing, and
     * the real filter goes on once all are in: a socket bound outside the group would receive
     * every frame, each then stored twice.
     */
    static FanoutCapture open(CaptureConfig c, String bpfFilter) throws CaptureOpenException, CaptureFilterException {
        String itf = c.interfaceName();
        int ifindex = RingCapture.interfaceIndex(itf);
        byte[] program = RingCapture.program(c, bpfFilter);
        RingGeometry g = RingCapture.geometry(c);
        List<RingCapture> rings = new ArrayList<>(c.threads());
        try {
            for (int i = 0; i < c.threads(); i++) {
                rings.add(RingCapture.open(c, ifindex, g, BpfPrograms.DROP_ALL, i == 0));
            }
            // The kernel picks an id no group in this network namespace has: an id of our own (from
            // the pid, say) could be another process's group, whose frames we would then share.
            rings.get(0).joinFanout(0, LinuxPacket.PACKET_FANOUT_HASH | LinuxPacket.PACKET_FANOUT_FLAG_UNIQUEID);
            int id = rings.get(0).fanoutId();
            for (int i = 1; i < rings.size(); i++) {
                rings.get(i).joinFanout(id, LinuxPacket.PACKET_FANOUT_HASH);
            }
            for (RingCapture r : rings) {
                r.attachFilter(program);
            }
            log.info("packet ring on {}: {} sockets in fanout group {} (by flow hash), each {} blocks of {} KiB ({} MiB "
                    + "in all), handed over when full or after {} ms", itf, rings.size(), id, g.blocks(),
                    g.blockSize() >> 10, rings.size() * g.bytes() >> 20, g.timeoutMillis());
            return new FanoutCapture(c, rings);
        } catch (CaptureOpenException | RuntimeException e) {
            for (RingCapture r : rings) {
                r.close();
            }
            throw e;
        }
    }

    /** As every socket's: they are opened alike. */
    @Override
    public int linkType() {
        return rings.get(0).linkType();
    }

    @Override
    public boolean nanoTimestamps() {
        return rings.get(0).nanoTimestamps();
    }

    @Override
    public int snaplen() {
        return rings.get(0).snaplen();
    }

    /**
     * Socket 0 on the calling thread, the others on threads {@code capture-2} and on. The first
     * thread to fail stops the others; every thread has ended (its ring read to the end, its
     * publisher flushed) before this returns or throws.
     */
    @Override
    public void run(Supplier<BatchPublisher> publishers, CaptureMetrics metrics) throws CaptureOpenException {
        List<Thread> threads = new ArrayList<>(rings.size() - 1);
        try {
            for (int i = 1; i < rings.size(); i++) {
                RingCapture ring = rings.get(i);
                BatchPublisher publisher = publishers.get();
                Thread t = new Thread(() -> capture(ring, publisher, metrics), "capture-" + (i + 1));
                t.start();
                threads.add(t);
            }
            log.info("capturing on {} (link type {}, snaplen {}, {} timestamps) on {} threads", interfaceName,
                    linkType(), snaplen(), nanoTimestamps() ? "nanosecond" : "microsecond", rings.size());
            capture(rings.get(0), publishers.get(), metrics);
        } finally {
            stop();
            joinAll(threads);
        }
        StringBuilder read = new StringBuilder();
        for (RingCapture r : rings) {
            read.append(read.length() == 0 ? "" : ", ").append(r.framesRead());
        }
        log.info("frames read by the {} sockets on {}: {}", rings.size(), interfaceName, read);
        Throwable t = failure.get();
        if (t instanceof CaptureOpenException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    private void capture(RingCapture ring, BatchPublisher publisher, CaptureMetrics metrics) {
        try {
            ring.capture(publisher, metrics);
        } catch (Throwable t) {
            if (!failure.compareAndSet(null, t)) {
                log.debug("capture thread {} also failed: {}", Thread.currentThread().getName(), t.toString());
            }
            stop();
        }
    }

    /** Waits for every capture thread, even when interrupted: their rings are unmapped after. */
    private static void joinAll(List<Thread> threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        for (RingCapture r : rings) {
            r.stop();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = rings.size() - 1; i >= 0; i--) {
            rings.get(i).close();
        }
    }
}
