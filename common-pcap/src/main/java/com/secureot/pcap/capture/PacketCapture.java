package com.secureot.pcap.capture;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.pipeline.BatchPublisher;

import java.util.function.Supplier;

/** A live capture on one interface; {@link LiveCaptures#open} picks the implementation. */
public interface PacketCapture extends AutoCloseable {
    /** The LINKTYPE written in the files (DLT_RAW mapped to 101). */
    int linkType();

    boolean nanoTimestamps();

    int snaplen();

    /**
     * Captures until {@link #stop()}: on the calling thread and, with {@code capture.threads} above 1,
     * on threads of its own, which end before this returns. Each capture thread takes one publisher
     * of {@code publishers} (called on the calling thread, once per capture thread) and owns it.
     */
    void run(Supplier<BatchPublisher> publishers, CaptureMetrics metrics) throws CaptureOpenException;

    /** Asks the capture thread to return; callable from any thread. */
    void stop();

    @Override
    void close();
}
