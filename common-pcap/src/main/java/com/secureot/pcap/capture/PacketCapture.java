package com.secureot.pcap.capture;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.pipeline.BatchPublisher;

/** A live capture on one interface; {@link LiveCaptures#open} picks the implementation. */
public interface PacketCapture extends AutoCloseable {
    /** The LINKTYPE written in the files (DLT_RAW mapped to 101). */
    int linkType();

    boolean nanoTimestamps();

    int snaplen();

    /** Captures into {@code publisher} on the calling thread until {@link #stop()}. */
    void run(BatchPublisher publisher, CaptureMetrics metrics) throws CaptureOpenException;

    /** Asks the capture thread to return; callable from any thread. */
    void stop();

    @Override
    void close();
}
