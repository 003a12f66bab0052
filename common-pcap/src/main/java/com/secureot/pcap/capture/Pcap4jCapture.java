package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.packet.LinkTypes;
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
final class Pcap4jCapture extends DispatchLoop {
    private static final Logger log = LoggerFactory.getLogger(Pcap4jCapture.class);

    private final PcapHandle handle;
    private final RawPacketListener listener;

    private Pcap4jCapture(PcapHandle handle, String interfaceName, int snaplen, boolean nano) {
        super(interfaceName, LinkTypes.fromDlt(handle.getDlt().value()), snaplen, nano);
        this.handle = handle;
        // Timestamp and original length are pcap4j thread-locals, valid only inside the callback.
        this.listener = packet -> {
            Timestamp ts = handle.getTimestamp();
            Integer orig = handle.getOriginalLength();
            try {
                publisher.add(packet, 0, packet.length, orig == null ? packet.length : orig, linkType,
                        Math.floorDiv(ts.getTime(), 1000), nano ? ts.getNanos() : ts.getNanos() / 1000, nano, snaplen, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Opens {@code config.interfaceName()} and installs {@code bpfFilter} (may be null). */
    static Pcap4jCapture open(CaptureConfig config, String bpfFilter)
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
            Integer status = e.getReturnCode(); // pcap_activate's, when it was that call that failed
            if (status != null && status == CapturePermission.PCAP_ERROR_PERM_DENIED) {
                throw new CaptureOpenException(CapturePermission.denied(itf, e.getMessage()));
            }
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
    protected void dispatch() throws CaptureOpenException {
        try {
            handle.dispatch(-1, listener);
        } catch (InterruptedException e) {
            // breakLoop(): the loop sees stop() was called.
        } catch (PcapNativeException | NotOpenException e) {
            throw new CaptureOpenException("capture on \"" + interfaceName + "\" failed: " + e.getMessage());
        }
    }

    @Override
    protected long[] stats() {
        try {
            PcapStat st = handle.getStats();
            return new long[] {st.getNumPacketsDropped(), st.getNumPacketsDroppedByIf()};
        } catch (PcapNativeException | NotOpenException e) {
            log.debug("pcap_stats on {}: {}", interfaceName, e.getMessage());
            return null;
        }
    }

    @Override
    protected void breakLoop() {
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
