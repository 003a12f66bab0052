package com.secureot.pcap.capture;

/**
 * The shape of a TPACKET_V3 ring: {@code blocks} blocks of {@code blockSize} bytes, each handed to
 * user space when full or {@code timeoutMillis} after its first frame.
 *
 * @param frameSize only checked by the kernel under TPACKET_V3 (frames are packed); it must divide the block
 */
record RingGeometry(int blockSize, int blocks, int frameSize, int timeoutMillis) {
    /** Smallest block: fewer, larger blocks cost the kernel and the capture thread less per frame. */
    static final int MIN_BLOCK = 1 << 20;
    /** Room in a block besides the frame: block header (48), frame header and sockaddr_ll (96 at most). */
    private static final int BLOCK_OVERHEAD = 256;
    private static final int FRAME_SIZE = 2048;

    /**
     * A ring of about {@code bufferBytes} (at least two blocks, so that the kernel fills one while
     * the other is read) whose blocks hold a frame of {@code snaplen} bytes.
     */
    static RingGeometry of(long bufferBytes, int snaplen, int timeoutMillis) {
        int block = MIN_BLOCK;
        while (block < snaplen + BLOCK_OVERHEAD) {
            block <<= 1;
        }
        int blocks = (int) Math.max(2, bufferBytes / block);
        return new RingGeometry(block, blocks, FRAME_SIZE, timeoutMillis);
    }

    int frames() {
        return blocks * (blockSize / frameSize);
    }

    long bytes() {
        return (long) blockSize * blocks;
    }
}
