package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.pipeline.BatchPublisher;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Timestamp;

/**
 * Captures from a network interface with libpcap through pcap4j (the Java 17 path), the one place where pcap4j's
 * checked exceptions are translated. The capture thread only copies packets into batches: no
 * file or network I/O, no waiting, no logging per packet. pcap4j's {@code dispatch} with a raw
 * listener is its cheapest path; kernel drop counters are polled between dispatches, on the same
 * thread, because a handle is not safe for concurrent native calls.
 */
public final class Pcap4jCapture implements PacketCapture {
    private static final Logger log = LoggerFactory.getLogger(Pcap4jCapture.class);
    private static final long STATS_EVERY_NANOS = 1_000_000_000L;

    private final PcapHandle handle;
    private final String interfaceName;
    private final int linkType;
    private final int snaplen;
    private final boolean nano;
    private volatile boolean stopping;
    private final KernelDropCounter drops = new KernelDropCounter();

    private Pcap4jCapture(PcapHandle handle, String interfaceName, int snaplen, boolean nano) {
        this.handle = handle;
        this.interfaceName = interfaceName;
        this.linkType = LinkTypes.fromDlt(handle.getDlt().value());
        this.snaplen = snaplen;
        this.nano = nano;
    }

    /** Opens {@code config.interfaceName()} and installs {@code bpfFilter} (may be null). */
    public static Pcap4jCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException {
        PcapLibrary.configure();
        String itf = config.interfaceName();
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(itf)
                    .snaplen(config.snaplen())
                    .promiscuousMode(config.promiscuous() ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(config.timeoutMillis())
                    .bufferSize(config.bufferSizeBytes())
                    .timestampPrecision(config.nanoTimestamps() ? PcapHandle.TimestampPrecision.NANO
                            : PcapHandle.TimestampPrecision.MICRO)
                    .build();
        } catch (PcapNativeException e) {
            throw new CaptureOpenException("interface \"" + itf + "\" cannot be opened: " + e.getMessage());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new CaptureOpenException("libpcap cannot be loaded (install libpcap0.8): " + e.getMessage());
        }
        boolean nano = handle.getTimestampPrecision() == PcapHandle.TimestampPrecision.NANO;
        if (config.nanoTimestamps() && !nano) {
            log.warn("interface {}: nanosecond timestamps refused by the kernel or driver; using microseconds", itf);
        }
        if (bpfFilter != null) {
            try {
                handle.setFilter(bpfFilter, BpfProgram.BpfCompileMode.OPTIMIZE);
            } catch (PcapNativeException | NotOpenException e) {
                handle.close();
                throw new CaptureFilterException("capture.bpf_filter: \"" + bpfFilter + "\" rejected by libpcap on "
                        + itf + ": " + e.getMessage());
            }
        }
        return new Pcap4jCapture(handle, itf, config.snaplen(), nano);
    }

    @Override
    public int linkType() {
        return linkType;
    }

    @Override
    public boolean nanoTimestamps() {
        return nano;
    }

    @Override
    public int snaplen() {
        return snaplen;
    }

    /** Captures into {@code publisher} until {@link #stop()}; runs on the calling thread. */
    @Override
    public void run(BatchPublisher publisher, CaptureMetrics metrics) throws CaptureOpenException {
        log.info("capturing on {} (link type {}, snaplen {}, {} timestamps)", interfaceName, linkType, snaplen,
                nano ? "nanosecond" : "microsecond");
        RawPacketListener listener = packet -> {
            Timestamp ts = handle.getTimestamp();
            long ms = ts.getTime();
            Integer orig = handle.getOriginalLength();
            try {
                publisher.add(packet, 0, packet.length, orig == null ? packet.length : orig, linkType,
                        Math.floorDiv(ms, 1000), ts.getNanos(), nano, snaplen, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        long nextStats = System.nanoTime() + STATS_EVERY_NANOS;
        try {
            while (!stopping) {
                try {
                    handle.dispatch(-1, listener);
                } catch (InterruptedException e) {
                    // breakLoop(): stopping is set.
                }
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
        } catch (PcapNativeException | NotOpenException e) {
            throw new CaptureOpenException("capture on \"" + interfaceName + "\" failed: " + e.getMessage());
        } finally {
            publisher.flush();
            pollStats(metrics);
        }
    }

    private void pollStats(CaptureMetrics metrics) {
        try {
            PcapStat st = handle.getStats();
            drops.update(st.getNumPacketsDropped(), st.getNumPacketsDroppedByIf(), metrics);
        } catch (PcapNativeException | NotOpenException e) {
            log.debug("pcap_stats on {}: {}", interfaceName, e.getMessage());
        }
    }

    /** Asks the capture thread to return; callable from any thread. */
    @Override
    public void stop() {
        stopping = true;
        try {
            handle.breakLoop();
        } catch (NotOpenException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        if (handle.isOpen()) {
            handle.close();
        }
    }
}
