package com.secureot.pcap.packet;

/** Receives packets from a source (a file being replayed, a live capture, a network stream). */
@FunctionalInterface
public interface PacketHandler {
    /**
     * One packet; {@code buf} is only valid during the call.
     *
     * @param nano the source's timestamps were nanosecond (false: microsecond)
     */
    void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int nanos, boolean nano,
                int snaplen) throws InterruptedException;
}
