package com.secureot.pcap.capture;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.pipeline.BatchPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * What both live capture paths (pcap4j on Java 17, the foreign function API on Java 22+) share:
 * the dispatch loop, the hand-over of each dispatch's packets, the kernel drop polling, stopping.
 * Subclasses only make the libpcap calls; every call on the handle comes from the capture thread
 * except the one that breaks the loop.
 */
abstract class DispatchLoop implements PacketCapture {
    private static final Logger log = LoggerFactory.getLogger(DispatchLoop.class);
    private static final long STATS_EVERY_NANOS = 1_000_000_000L;

    protected final String interfaceName;
    protected final int linkType;
    protected final int snaplen;
    protected final boolean nano;
    private final KernelDropCounter drops = new KernelDropCounter();
    private volatile boolean stopping;

    protected DispatchLoop(String interfaceName, int linkType, int snaplen, boolean nano) {
        this.interfaceName = interfaceName;
        this.linkType = linkType;
        this.snaplen = snaplen;
        this.nano = nano;
    }

    /** Where {@link #dispatch} hands packets: set by {@link #run} before the first dispatch, on its thread. */
    protected BatchPublisher publisher;

    /** One pcap_dispatch into {@link #publisher}; returns after a block, a timeout or a break. */
    protected abstract void dispatch() throws CaptureOpenException;

    /** libpcap's cumulative {ps_drop, ps_ifdrop}, or null when pcap_stats failed. */
    protected abstract long[] stats();

    /** pcap_breakloop, callable from any thread. */
    protected abstract void breakLoop();

    @Override
    public final int linkType() {
        return linkType;
    }

    @Override
    public final boolean nanoTimestamps() {
        return nano;
    }

    @Override
    public final int snaplen() {
        return snaplen;
    }

    @Override
    public final void run(Supplier<BatchPublisher> publishers, CaptureMetrics metrics) throws CaptureOpenException {
        BatchPublisher publisher = publishers.get();
        log.info("capturing on {} (link type {}, snaplen {}, {} timestamps)", interfaceName, linkType, snaplen,
                nano ? "nanosecond" : "microsecond");
        this.publisher = publisher;
        long nextStats = System.nanoTime() + STATS_EVERY_NANOS;
        try {
            while (!stopping) {
                dispatch();
                // Hand on what this dispatch read, whatever its age: under TPACKET_V3 libpcap's next
                // dispatch may wait without end on a quiet link (the kernel retires only non-empty
                // blocks), and the last packets before a pause would sit in the batch until more came.
                publisher.flush();
                long now = System.nanoTime();
                if (now >= nextStats) {
                    pollStats(metrics);
                    nextStats = now + STATS_EVERY_NANOS;
                }
            }
        } finally {
            publisher.flush();
            pollStats(metrics);
        }
    }

    private void pollStats(CaptureMetrics metrics) {
        long[] s = stats();
        if (s != null) {
            drops.update(s[0], s[1], metrics);
        }
    }

    @Override
    public final void stop() {
        stopping = true;
        breakLoop();
    }
}
