package com.secureot.pcap.capture;

import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.pipeline.BatchConsumer;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring walk on blocks laid out as linux/if_packet.h defines them, filled here as the kernel
 * fills them (outer tag moved into the frame header): the frames come out as libpcap delivers
 * them, and each block read goes back to the kernel.
 */
class RingReaderTest {
    private static final int BLOCK = 64 << 10;
    private static final int BLOCKS = 4;
    private static final byte[] IP = TestPcaps.ipv4("10.0.0.1", "10.0.0.2", TestPcaps.payload(100, 7));

    /** Stored frames, in order, as a pcap file would hold them. */
    private static final class Collector implements BatchConsumer {
        final List<Packet> packets = new ArrayList<>();

        @Override
        public synchronized void accept(PacketBatch b) {
            for (int i = 0; i < b.count; i++) {
                packets.add(new Packet(b.linkType[i], b.tsSeconds[i], b.tsFraction[i], b.origLen[i],
                        Arrays.copyOfRange(b.data, b.offset[i], b.offset[i] + b.capLen[i])));
            }
        }

        @Override
        public void tick() {
        }

        @Override
        public void close() {
        }
    }

    /** Writes frames into block {@code index} as the kernel does and hands it to user space. */
    private static final class KernelSide {
        final ByteBuffer ring = ByteBuffer.allocateDirect(BLOCK * BLOCKS).order(ByteOrder.nativeOrder());

        void block(int index, Frame... frames) {
            int base = index * BLOCK;
            int p = base + 48;
            ring.putInt(base + RingReader.BLOCK_NUM_PKTS, frames.length);
            ring.putInt(base + RingReader.BLOCK_OFFSET_TO_FIRST_PKT, 48);
            for (int i = 0; i < frames.length; i++) {
                Frame f = frames[i];
                int mac = 96; // TPACKET_ALIGN(tpacket3_hdr + sockaddr_ll) + 16, as for SOCK_RAW
                int next = (mac + f.bytes.length + 15) & ~15;
                ring.putInt(p + RingReader.TP_NEXT_OFFSET, i + 1 < frames.length ? next : 0);
                ring.putInt(p + RingReader.TP_SEC, (int) f.sec);
                ring.putInt(p + RingReader.TP_NSEC, f.nsec);
                ring.putInt(p + RingReader.TP_SNAPLEN, f.bytes.length);
                ring.putInt(p + RingReader.TP_LEN, f.len);
                ring.putInt(p + RingReader.TP_STATUS, f.status | RingReader.TP_STATUS_USER);
                ring.putShort(p + RingReader.TP_MAC, (short) mac);
                ring.putInt(p + RingReader.TP_VLAN_TCI, f.tci);
                ring.putShort(p + RingReader.TP_VLAN_TPID, (short) f.tpid);
                ring.put(p + RingReader.SLL_PKTTYPE, (byte) f.pktType);
                ring.put(p + mac, f.bytes);
                p += next;
            }
            ring.putInt(base + RingReader.BLOCK_STATUS, RingReader.TP_STATUS_USER);
        }

        int status(int index) {
            return ring.getInt(index * BLOCK + RingReader.BLOCK_STATUS);
        }
    }

    /** A frame as the kernel stores it: without its outer tag, which is in {@code tci}/{@code tpid}. */
    private record Frame(byte[] bytes, int len, long sec, int nsec, int status, int tci, int tpid, int pktType) {
        static Frame plain(byte[] wire, long sec, int nsec) {
            return new Frame(wire, wire.length, sec, nsec, 0, 0, 0, 0);
        }

        /** {@code wire} received with its outer tag taken out by the kernel (its TPID reported). */
        static Frame stripped(byte[] wire, long sec, int nsec, int status) {
            byte[] untagged = TestPcaps.concat(Arrays.copyOfRange(wire, 0, 12), Arrays.copyOfRange(wire, 16, wire.length));
            int tpid = (wire[12] & 0xFF) << 8 | wire[13] & 0xFF;
            int tci = (wire[14] & 0xFF) << 8 | wire[15] & 0xFF;
            return new Frame(untagged, untagged.length, sec, nsec, status, tci, tpid, 0);
        }

        Frame cutTo(int kernelSnaplen) {
            return new Frame(Arrays.copyOf(bytes, kernelSnaplen), len, sec, nsec, status, tci, tpid, pktType);
        }

        Frame withTpid(int t) {
            return new Frame(bytes, len, sec, nsec, status, tci, t, pktType);
        }

        Frame outgoing() {
            return new Frame(bytes, len, sec, nsec, status, tci, tpid, RingReader.PACKET_OUTGOING);
        }
    }

    private static final int VLAN = RingReader.TP_STATUS_VLAN_VALID | RingReader.TP_STATUS_VLAN_TPID_VALID;

    private static List<Packet> read(KernelSide k, int snaplen, boolean skipOutgoing, int expectBlocks)
            throws Exception {
        CaptureMetrics m = new CaptureMetrics();
        Collector c = new Collector();
        ConsumerWorker w = new ConsumerWorker("store", c, 8);
        w.start();
        BatchPublisher pub = new BatchPublisher(new BatchPool(8, 1 << 20, 1024), List.of(w), null, m, false, 20);
        RingReader r = new RingReader(k.ring, BLOCK, BLOCKS, snaplen, 1, true, skipOutgoing);
        assertEquals(expectBlocks, r.drain(pub));
        assertFalse(r.ready(), "the next block is the kernel's");
        pub.flush();
        w.close();
        return c.packets;
    }

    @Test
    void framesComeOutAsOnTheWireWithTheOuterTagPutBack() throws Exception {
        byte[] plain = TestPcaps.ethernet(0x0800, IP);
        byte[] dot1q = TestPcaps.ethernetTagged(new int[][] {{0x8100, 0x2000 | 10}}, 0x0800, IP);
        byte[] qinq = TestPcaps.ethernetTagged(new int[][] {{0x88A8, 100}, {0x8100, 20}}, 0x0800, IP);
        byte[] priority = TestPcaps.ethernetTagged(new int[][] {{0x8100, 0x6000}}, 0x0800, IP); // VID 0, PCP 3
        byte[] vid0 = TestPcaps.ethernetTagged(new int[][] {{0x8100, 0}}, 0x0800, IP); // TCI 0: only the status says
        KernelSide k = new KernelSide();
        k.block(0, Frame.plain(plain, 1_700_000_000L, 123_456_789), Frame.stripped(dot1q, 1_700_000_001L, 1, VLAN));
        k.block(1, Frame.stripped(qinq, 4_000_000_000L, 999_999_999, VLAN), Frame.stripped(priority, 5, 6, VLAN),
                Frame.stripped(vid0, 7, 8, VLAN));
        List<Packet> got = read(k, 262144, false, 2);
        TestPcaps.assertSamePackets(List.of(
                new Packet(1, 1_700_000_000L, 123_456_789, plain.length, plain),
                new Packet(1, 1_700_000_001L, 1, dot1q.length, dot1q),
                new Packet(1, 4_000_000_000L, 999_999_999, qinq.length, qinq),
                new Packet(1, 5, 6, priority.length, priority),
                new Packet(1, 7, 8, vid0.length, vid0)), got, "frames");
        assertEquals(RingReader.TP_STATUS_KERNEL, k.status(0), "block 0 handed back");
        assertEquals(RingReader.TP_STATUS_KERNEL, k.status(1), "block 1 handed back");
    }

    @Test
    void aKernelWithoutTheTpidFlagGets8100AndAnUntaggedFrameIsLeftAlone() throws Exception {
        byte[] dot1q = TestPcaps.ethernetTagged(new int[][] {{0x8100, 33}}, 0x86DD, IP);
        // Before Linux 3.14 the TPID field is 0 and TP_STATUS_VLAN_TPID_VALID unset: libpcap writes 0x8100.
        Frame old = Frame.stripped(dot1q, 1, 0, RingReader.TP_STATUS_VLAN_VALID).withTpid(0);
        // A tag-shaped EtherType the kernel left in place (not its outer tag) is data, untouched.
        byte[] untagged = TestPcaps.ethernet(0x0800, IP);
        KernelSide k = new KernelSide();
        k.block(0, old, Frame.plain(untagged, 2, 0));
        TestPcaps.assertSamePackets(List.of(new Packet(1, 1, 0, dot1q.length, dot1q),
                new Packet(1, 2, 0, untagged.length, untagged)), read(k, 262144, false, 1), "frames");
    }

    @Test
    void snaplenCutsTheRebuiltFrameAndOrigLenCountsTheTag() throws Exception {
        byte[] dot1q = TestPcaps.ethernetTagged(new int[][] {{0x8100, 5}}, 0x0800, IP);
        byte[] plain = TestPcaps.ethernet(0x0800, IP);
        KernelSide k = new KernelSide();
        // The kernel's filter returns snaplen: it cuts the untagged frame at 64, the tag makes it 68, cut to 64.
        k.block(0, Frame.stripped(dot1q, 1, 0, VLAN).cutTo(64), Frame.plain(plain, 2, 0).cutTo(64));
        List<Packet> got = read(k, 64, false, 1);
        TestPcaps.assertSamePackets(List.of(new Packet(1, 1, 0, dot1q.length, Arrays.copyOf(dot1q, 64)),
                new Packet(1, 2, 0, plain.length, Arrays.copyOf(plain, 64))), got, "cut frames");
    }

    @Test
    void onLoopbackTheOutgoingCopyIsSkippedButCountedAsRead() throws Exception {
        byte[] f = TestPcaps.ethernet(0x0800, IP);
        KernelSide k = new KernelSide();
        k.block(0, Frame.plain(f, 1, 0).outgoing(), Frame.plain(f, 1, 0));
        assertEquals(1, read(k, 262144, true, 1).size());
        KernelSide k2 = new KernelSide();
        k2.block(0, Frame.plain(f, 1, 0).outgoing(), Frame.plain(f, 1, 0));
        assertEquals(2, read(k2, 262144, false, 1).size(), "elsewhere both directions are kept");
    }

    @Test
    void theWalkWrapsAroundTheRingAndStopsAtTheKernelsBlock() throws Exception {
        byte[] f = TestPcaps.ethernet(0x0800, IP);
        KernelSide k = new KernelSide();
        CaptureMetrics m = new CaptureMetrics();
        Collector c = new Collector();
        ConsumerWorker w = new ConsumerWorker("store", c, 8);
        w.start();
        BatchPublisher pub = new BatchPublisher(new BatchPool(8, 1 << 20, 1024), List.of(w), null, m, false, 20);
        RingReader r = new RingReader(k.ring, BLOCK, BLOCKS, 262144, 1, false, false);
        for (int round = 0; round < 3; round++) {
            for (int b = 0; b < BLOCKS; b++) {
                k.block(b, Frame.plain(f, round, b), Frame.plain(f, round, b));
            }
            assertTrue(r.ready());
            assertEquals(BLOCKS, r.drain(pub));
            assertEquals(0, r.drain(pub), "every block is the kernel's again");
        }
        pub.flush();
        w.close();
        assertEquals(3 * BLOCKS * 2, c.packets.size());
        assertEquals(3 * BLOCKS * 2, r.frames());
        assertEquals(2, c.packets.get(c.packets.size() - 1).sec(), "last round last");
    }
    /** Stores as {@link Collector} does, but each batch only once the test lets it (a writer behind). */
    private static final class SlowCollector implements BatchConsumer {
        final Collector stored = new Collector();
        final Semaphore gate = new Semaphore(0);

        @Override
        public void accept(PacketBatch b) {
            gate.acquireUninterruptibly();
            stored.accept(b);
        }

        @Override
        public void tick() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void withEveryBatchQueuedTheReaderKeepsTheBlockAndGoesOnAtTheSameFrameWithoutDropping() throws Exception {
        byte[] f = TestPcaps.ethernet(0x0800, IP);
        KernelSide k = new KernelSide();
        Frame[] frames = new Frame[5];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = Frame.plain(f, 100 + i, i);
        }
        k.block(0, frames);
        CaptureMetrics m = new CaptureMetrics();
        SlowCollector c = new SlowCollector();
        ConsumerWorker w = new ConsumerWorker("store", c, 8);
        w.start();
        // Two batches of two frames each: the fifth frame finds both in the writer's queue.
        BatchPool pool = new BatchPool(2, 2 * f.length + 1, 1024);
        BatchPublisher pub = new BatchPublisher(pool, List.of(w), null, m, false, 20);
        RingReader r = new RingReader(k.ring, BLOCK, BLOCKS, 262144, 1, true, false);

        assertEquals(0, r.drain(pub), "no block finished");
        assertTrue(r.stalled());
        assertEquals(RingReader.TP_STATUS_USER, k.status(0) & RingReader.TP_STATUS_USER, "the block is kept");
        assertEquals(0, r.frames());
        pub.awaitBatch(20);
        assertEquals(0, pool.available(), "still none free: the writer has not stored a batch");

        c.gate.release(2);
        long deadline = System.nanoTime() + 10_000_000_000L;
        int blocks = 0;
        while (blocks == 0 && System.nanoTime() < deadline) {
            pub.awaitBatch(100);
            blocks = r.drain(pub);
        }
        assertEquals(1, blocks, "the block read to its end once a batch was free");
        assertFalse(r.stalled());
        assertEquals(RingReader.TP_STATUS_KERNEL, k.status(0), "then handed back");
        c.gate.release(1);
        pub.flush();
        w.close();

        List<Packet> want = new ArrayList<>();
        for (int i = 0; i < frames.length; i++) {
            want.add(new Packet(1, 100 + i, i, f.length, f));
        }
        TestPcaps.assertSamePackets(want, c.stored.packets, "every frame once, in order");
        assertEquals(5, r.frames());
        assertEquals(0, m.dropped(DropReason.QUEUE_FULL), "nothing dropped");
    }
}
