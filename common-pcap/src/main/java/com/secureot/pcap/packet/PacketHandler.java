package com.secureot.pcap.packet;

import java.nio.ByteBuffer;

/** Receives packets from a source (a file being replayed, a live capture, a network stream). */
@FunctionalInterface
public interface PacketHandler {
    /**
     * One packet; {@code buf} is only valid during the call.
     *
     * @param fraction the record's sub-second field as the source had it (unsigned, possibly out
     *                 of range: see {@link Timestamps}), in microseconds or, when {@code nano}, nanoseconds
     * @param nano the source's timestamps were nanosecond (false: microsecond)
     */
    void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int fraction, boolean nano,
                int snaplen) throws InterruptedException;

    /**
     * The same, from a buffer (the file reader reads into a direct buffer: a heap one would cost
     * the JDK one more copy of the whole file). By default copied out for the array method;
     * handlers on the replay path take it from the buffer directly.
     */
    default void packet(ByteBuffer buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                        boolean nano, int snaplen) throws InterruptedException {
        byte[] copy = new byte[capLen];
        buf.get(off, copy, 0, capLen);
        packet(copy, 0, capLen, origLen, linkType, sec, fraction, nano, snaplen);
    }
}
