package com.secureot.pcap.capture;

import com.secureot.pcap.metrics.CaptureMetrics;

/** Turns libpcap's cumulative u32 {@code ps_drop}/{@code ps_ifdrop} into increments, across wraps. */
final class KernelDropCounter {
    private long lastDrop = -1;
    private long lastIfDrop = -1;

    void update(long drop, long ifDrop, CaptureMetrics metrics) {
        drop &= 0xFFFFFFFFL;
        ifDrop &= 0xFFFFFFFFL;
        metrics.kernelDropped.addAndGet(lastDrop < 0 ? drop : (drop - lastDrop) & 0xFFFFFFFFL);
        metrics.interfaceDropped.addAndGet(lastIfDrop < 0 ? ifDrop : (ifDrop - lastIfDrop) & 0xFFFFFFFFL);
        lastDrop = drop;
        lastIfDrop = ifDrop;
    }
}
