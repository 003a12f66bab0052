package com.secureot.pcap.capture;

import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.pipeline.BatchPublisher;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Walks the blocks of a TPACKET_V3 ring (linux/if_packet.h) that the kernel has handed to user
 * space and copies each frame once, into the batch, as libpcap would have delivered it: the
 * outer VLAN tag that the kernel moved into the frame's header is put back (TPID from
 * {@code tp_vlan_tpid} when the kernel says it is valid, else 0x8100), both lengths grow by the
 * tag, and the frame is cut at the snaplen. Pure Java over the mapped memory: no native call, no
 * allocation per frame. Both native paths (JNA, FFM) share it; the capture thread owns it.
 */
final class RingReader {
    // struct tpacket_block_desc: version, offset_to_priv, then struct tpacket_hdr_v1.
    static final int BLOCK_STATUS = 8;
    static final int BLOCK_NUM_PKTS = 12;
    static final int BLOCK_OFFSET_TO_FIRST_PKT = 16;
    // struct tpacket3_hdr.
    static final int TP_NEXT_OFFSET = 0;
    static final int TP_SEC = 4;
    static final int TP_NSEC = 8;
    static final int TP_SNAPLEN = 12;
    static final int TP_LEN = 16;
    static final int TP_STATUS = 20;
    static final int TP_MAC = 24;
    static final int TP_VLAN_TCI = 32;
    static final int TP_VLAN_TPID = 36;
    /** struct sockaddr_ll follows the header at TPACKET_ALIGN(sizeof(struct tpacket3_hdr)); sll_pkttype at 10. */
    static final int SLL_PKTTYPE = 48 + 10;

    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_VLAN_VALID = 0x10;
    static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    static final int PACKET_OUTGOING = 4;
    static final int ETH_P_8021Q = 0x8100;
    /** Where the tag goes back: after the two MAC addresses (libpcap's vlan_offset for Ethernet). */
    private static final int VLAN_OFFSET = 12;
    private static final int VLAN_TAG_LEN = 4;

    /** The block status word is shared with the kernel: read with acquire, handed back with release. */
    private static final VarHandle STATUS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ByteBuffer ring;
    private final int blockSize;
    private final int blocks;
    private final int snaplen;
    private final int linkType;
    private final boolean nano;
    private final boolean skipOutgoing;
    private int current;
    /** In the current block: where the next frame starts, and how many are left (-1: not started). */
    private int next;
    private int left = -1;
    /** The last drain stopped at a frame for want of a free batch (see {@link #stalled}). */
    private boolean stalled;
    private long frames;

    /**
     * @param ring         the mapped ring, {@code blocks * blockSize} bytes (any byte order: set to native here)
     * @param skipOutgoing drop frames the host sent (on {@code lo}, libpcap's rule: each is also seen incoming)
     */
    RingReader(ByteBuffer ring, int blockSize, int blocks, int snaplen, int linkType, boolean nano,
               boolean skipOutgoing) {
        if (ring.capacity() < (long) blockSize * blocks) {
            throw new IllegalArgumentException("ring: " + ring.capacity() + " bytes (expected: >= " + blocks + " x "
                    + blockSize + ")");
        }
        this.ring = ring.duplicate().order(ByteOrder.nativeOrder());
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.snaplen = snaplen;
        this.linkType = linkType;
        this.nano = nano;
        this.skipOutgoing = skipOutgoing;
    }

    /** Frames walked so far, including the ones skipped as outgoing: what the kernel counts as delivered. */
    long frames() {
        return frames;
    }

    /** True when the kernel has handed the next block to user space. */
    boolean ready() {
        return ((int) STATUS.getAcquire(ring, current * blockSize + BLOCK_STATUS) & TP_STATUS_USER) != 0;
    }

    /**
     * Copies every frame of every block the kernel has handed over, from the current one on, and
     * gives the blocks back; returns how many blocks were read (0 and not {@link #stalled}: wait
     * for the kernel).
     */
    int drain(BatchPublisher out) {
        int n = 0;
        stalled = false;
        while (n < blocks && ready()) {
            int base = current * blockSize;
            if (!readBlock(base, out)) {
                stalled = true;
                return n;
            }
            STATUS.setRelease(ring, base + BLOCK_STATUS, TP_STATUS_KERNEL);
            current = current + 1 == blocks ? 0 : current + 1;
            n++;
        }
        return n;
    }

    /**
     * True when the last {@link #drain} stopped inside a block because every batch was in the
     * writers' queues. The block stays with this process and the next drain goes on at the same
     * frame: meanwhile the kernel fills the ring's other blocks, so the ring buffers behind the
     * queue, and only a full ring drops frames, counted by the kernel (kernel_dropped).
     */
    boolean stalled() {
        return stalled;
    }

    /** Reads the block at {@code base} from where the last call stopped; false when it stopped again. */
    private boolean readBlock(int base, BatchPublisher out) {
        if (left < 0) {
            left = ring.getInt(base + BLOCK_NUM_PKTS);
            next = base + ring.getInt(base + BLOCK_OFFSET_TO_FIRST_PKT);
        }
        int p = next;
        for (int i = left; i > 0; i--) {
            if (!frame(p, out)) {
                next = p;
                left = i;
                return false;
            }
            p += ring.getInt(p + TP_NEXT_OFFSET);
        }
        frames += ring.getInt(base + BLOCK_NUM_PKTS);
        left = -1;
        return true;
    }

    /** Copies one frame into the publisher's batch; false when no batch is free (nothing copied). */
    private boolean frame(int p, BatchPublisher out) {
        if (skipOutgoing && ring.get(p + SLL_PKTTYPE) == PACKET_OUTGOING) {
            return true;
        }
        int status = ring.getInt(p + TP_STATUS);
        int kernelCap = ring.getInt(p + TP_SNAPLEN);
        int len = ring.getInt(p + TP_LEN);
        int mac = p + (ring.getShort(p + TP_MAC) & 0xFFFF);
        long sec = ring.getInt(p + TP_SEC) & 0xFFFFFFFFL;
        // The kernel's ring gives nanoseconds; a microsecond store takes its fraction in microseconds.
        int fraction = nano ? ring.getInt(p + TP_NSEC) : ring.getInt(p + TP_NSEC) / 1000;
        int tci = ring.getInt(p + TP_VLAN_TCI);
        if ((tci != 0 || (status & TP_STATUS_VLAN_VALID) != 0) && kernelCap >= VLAN_OFFSET) {
            return tagged(mac, kernelCap, len, sec, fraction, status, tci, p, out);
        }
        int cap = Math.min(kernelCap, snaplen);
        if (!out.room(cap)) {
            return false;
        }
        PacketBatch b = out.roomBatch();
        ring.get(mac, b.data, b.used, cap);
        out.commit(cap, len, linkType, sec, fraction, nano, snaplen, null);
        return true;
    }

    /** A frame whose outer tag the kernel took out: MAC addresses, the tag, then the rest. */
    private boolean tagged(int mac, int kernelCap, int len, long sec, int fraction, int status, int tci, int p,
                           BatchPublisher out) {
        int tpid = ring.getShort(p + TP_VLAN_TPID) & 0xFFFF;
        if (tpid == 0 && (status & TP_STATUS_VLAN_TPID_VALID) == 0) {
            tpid = ETH_P_8021Q; // a kernel older than 3.14 gives no TPID
        }
        // snaplen >= 64 (CaptureConfig), so a cut frame still holds the addresses and the whole tag.
        int cap = Math.min(kernelCap + VLAN_TAG_LEN, snaplen);
        if (!out.room(cap)) {
            return false;
        }
        PacketBatch b = out.roomBatch();
        byte[] d = b.data;
        int at = b.used;
        ring.get(mac, d, at, VLAN_OFFSET);
        d[at + 12] = (byte) (tpid >>> 8);
        d[at + 13] = (byte) tpid;
        d[at + 14] = (byte) (tci >>> 8);
        d[at + 15] = (byte) tci;
        ring.get(mac + VLAN_OFFSET, d, at + VLAN_OFFSET + VLAN_TAG_LEN, cap - VLAN_OFFSET - VLAN_TAG_LEN);
        out.commit(cap, len + VLAN_TAG_LEN, linkType, sec, fraction, nano, snaplen, null);
        return true;
    }
}
