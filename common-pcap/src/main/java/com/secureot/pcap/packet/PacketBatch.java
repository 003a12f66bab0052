package com.secureot.pcap.packet;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Packets handed from a source thread to the threads that store or forward them. The bytes of
 * all packets sit in one array so that a capture burst costs one hand-off, not one per packet.
 * A batch is reused: its consumers release it, and the last one returns it to its pool.
 */
public final class PacketBatch {
    public final byte[] data;
    public final int[] offset;
    public final int[] capLen;
    public final int[] origLen;
    public final int[] linkType;
    public final long[] tsSeconds;
    /** The record's sub-second field as the source had it, in its unit ({@link #nanoPrecision}): see {@link Timestamps}. */
    public final int[] tsFraction;
    /** True when the source had nanosecond timestamps (the file keeps that precision). */
    public final boolean[] nanoPrecision;
    public final int[] snaplen;
    /** Who sent the packet (the collector routes by it); null for captured packets. */
    public final Object[] origin;
    /** Where each packet goes, set by the publisher's router as the batch is handed over (null without one). */
    public final com.secureot.pcap.store.Route[] route;
    public int count;
    public int used;
    /**
     * The source that filled it ended (a sensor's connection closed): storing consumers write
     * everything they buffer out after it, so that the sender's data is in its files at once
     * rather than at the next flush period.
     */
    public boolean sourceEnded;
    /**
     * Counted down by each storing consumer once everything before and in this batch is written
     * to its files (a {@code sourceEnded} batch): a source that must know that, the Kafka
     * consumer before it commits its offsets, waits on it. Null for other batches.
     */
    public java.util.concurrent.CountDownLatch stored;
    /**
     * An acknowledged stream's: told where its records go (null for other sources); every
     * record of the batch belongs to {@link #interval}.
     */
    public com.secureot.pcap.store.AppendTracker tracker;
    public long interval;
    /** Passed through every writer after the batch's records (null: none). */
    public com.secureot.pcap.store.StoreBarrier barrier;

    private final AtomicInteger references = new AtomicInteger();
    private final BatchPool pool;

    PacketBatch(BatchPool pool, int dataBytes, int maxPackets) {
        this.pool = pool;
        data = new byte[dataBytes];
        offset = new int[maxPackets];
        capLen = new int[maxPackets];
        origLen = new int[maxPackets];
        linkType = new int[maxPackets];
        tsSeconds = new long[maxPackets];
        tsFraction = new int[maxPackets];
        nanoPrecision = new boolean[maxPackets];
        snaplen = new int[maxPackets];
        origin = new Object[maxPackets];
        route = new com.secureot.pcap.store.Route[maxPackets];
    }

    public boolean fits(int length) {
        return count < offset.length && used + length <= data.length;
    }

    /** Appends one packet; the caller has checked {@link #fits}. */
    public void add(byte[] src, int srcOff, int length, int originalLength, int link, long sec, int fraction,
                    boolean nano, int snap, Object from) {
        System.arraycopy(src, srcOff, data, used, length);
        commit(length, originalLength, link, sec, fraction, nano, snap, from);
    }

    /**
     * Appends one packet whose {@code length} bytes the caller already wrote at
     * {@code data[used..]} (a native capture copies straight from libpcap's buffer).
     */
    public void commit(int length, int originalLength, int link, long sec, int fraction, boolean nano, int snap,
                       Object from) {
        int i = count++;
        offset[i] = used;
        capLen[i] = length;
        origLen[i] = originalLength;
        linkType[i] = link;
        tsSeconds[i] = sec;
        tsFraction[i] = fraction;
        nanoPrecision[i] = nano;
        snaplen[i] = snap;
        origin[i] = from;
        used += length;
    }

    public long bytes() {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += capLen[i];
        }
        return total;
    }

    /** Sets how many consumers will {@link #release} this batch. */
    public void retainFor(int consumers) {
        references.set(consumers);
    }

    /** Called once by each consumer when done with the batch. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            java.util.Arrays.fill(route, 0, count, null);
            count = 0;
            used = 0;
            sourceEnded = false;
            stored = null;
            tracker = null;
            interval = 0;
            barrier = null;
            java.util.Arrays.fill(origin, null);
            pool.give(this);
        }
    }
}
