package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.pipeline.BatchPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Live capture from Linux's TPACKET_V3 packet ring, read in place: the kernel fills blocks of
 * frames in memory shared with this process, the capture thread waits (poll) once per block,
 * copies each frame once into a batch ({@link RingReader}) and gives the block back; when every
 * batch is in the writers' queues it waits for one with the block kept, so the ring buffers
 * behind the queue and a full ring's drops are the kernel's to count. libpcap does
 * the same in C; here no library call sits between the ring and the batch, so there is no call
 * and no allocation per frame on Java 17 either. The filter is libpcap's ({@link BpfPrograms}),
 * the frames what libpcap would deliver (VLAN tag put back), the drops the socket's statistics.
 */
final class RingCapture implements PacketCapture {
    private static final Logger log = LoggerFactory.getLogger(RingCapture.class);
    private static final long STATS_EVERY_NANOS = 1_000_000_000L;
    /** The longest a poll waits, so that a stop is seen soon on a quiet link. */
    private static final int MAX_WAIT_MILLIS = 100;
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPHRD_LOOPBACK = 772;
    private static final int DLT_EN10MB = 1;

    private final String interfaceName;
    private final int snaplen;
    private final boolean nano;
    private final int timeoutMillis;
    private final RingSocket socket;
    private final RingReader reader;
    private final InterfaceDrops interfaceDrops;
    private final long[] kernel = new long[2];
    /** Since open: frames that passed the filter (in the ring or dropped), and those dropped. */
    private long kernelFrames;
    private long kernelDrops;
    private volatile boolean stopping;

    private RingCapture(String interfaceName, int snaplen, boolean nano, int timeoutMillis, RingSocket socket,
                        RingReader reader, InterfaceDrops interfaceDrops) {
        this.interfaceName = interfaceName;
        this.snaplen = snaplen;
        this.nano = nano;
        this.timeoutMillis = timeoutMillis;
        this.socket = socket;
        this.reader = reader;
        this.interfaceDrops = interfaceDrops;
    }

    /** Why the ring cannot capture on {@code itf} (then libpcap does), or null when it can. */
    static String unsupported(String itf) {
        if (!RingSocket.available()) {
            return "the packet ring needs Linux on x86-64 or AArch64 (this is " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")";
        }
        int type = hardwareType(itf);
        if (type < 0) {
            // libpcap's pseudo-devices ("any", "nflog", "usbmon0"...) are no network devices of the
            // kernel; for a name that is nothing at all, libpcap's own message is the familiar one.
            return "interface \"" + itf + "\" is not a network device (libpcap's \"any\" and the like)";
        }
        if (type != ARPHRD_ETHER && type != ARPHRD_LOOPBACK) {
            return "interface \"" + itf + "\" is not Ethernet (ARPHRD " + type + "); the packet ring captures "
                    + "Ethernet only, libpcap the rest";
        }
        return null;
    }

    /** The interface's ARPHRD type, or -1 when the kernel has no network device of that name. */
    private static int hardwareType(String itf) {
        if (itf.contains("/") || itf.startsWith(".")) {
            return -1;
        }
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", itf, "type")).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static RingCapture open(CaptureConfig c, String bpfFilter) throws CaptureOpenException, CaptureFilterException {
        int ifindex = interfaceIndex(c.interfaceName());
        RingGeometry g = geometry(c);
        RingCapture ring = open(c, ifindex, g, program(c, bpfFilter), true);
        log.info("packet ring on {}: {} blocks of {} KiB, handed over when full or after {} ms", c.interfaceName(),
                g.blocks(), g.blockSize() >> 10, g.timeoutMillis());
        return ring;
    }

    /** The kernel's index of {@code itf}; fails when there is no such interface. */
    static int interfaceIndex(String itf) throws CaptureOpenException {
        int ifindex = RingSocket.interfaceIndex(itf);
        if (ifindex == 0) {
            throw new CaptureOpenException("interface \"" + itf + "\" cannot be opened: no such interface");
        }
        return ifindex;
    }

    /** The socket filter for {@code bpfFilter} (null: every frame), compiled by libpcap for Ethernet. */
    static byte[] program(CaptureConfig c, String bpfFilter) throws CaptureFilterException {
        return bpfFilter == null ? BpfPrograms.acceptAll(c.snaplen())
                : BpfPrograms.compile(bpfFilter, DLT_EN10MB, c.snaplen());
    }

    static RingGeometry geometry(CaptureConfig c) {
        return RingGeometry.of(c.bufferSizeBytes(), c.snaplen(), c.timeoutMillis());
    }

    /**
     * One socket on interface {@code ifindex} with {@code filter} attached before its first frame.
     *
     * @param interfaceDrops whether this socket counts the NIC's drops: they are the interface's, so
     *                       of several sockets on one interface only one may add them up
     */
    static RingCapture open(CaptureConfig c, int ifindex, RingGeometry g, byte[] filter, boolean interfaceDrops)
            throws CaptureOpenException {
        String itf = c.interfaceName();
        RingSocket socket = RingSocket.open(itf, ifindex, g, c.promiscuous(), filter);
        boolean loopback = hardwareType(itf) == ARPHRD_LOOPBACK;
        RingReader reader = new RingReader(socket.ring(), g.blockSize(), g.blocks(), c.snaplen(),
                LinkTypes.fromDlt(DLT_EN10MB), c.nanoTimestamps(), loopback);
        return new RingCapture(itf, c.snaplen(), c.nanoTimestamps(), c.timeoutMillis(), socket, reader,
                interfaceDrops && c.promiscuous() ? new InterfaceDrops(itf) : null);
    }

    /** Joins (or with {@link LinuxPacket#PACKET_FANOUT_FLAG_UNIQUEID} and id 0, founds) a fanout group. */
    void joinFanout(int id, int typeFlags) throws CaptureOpenException {
        socket.joinFanout(id, typeFlags, interfaceName);
    }

    /** The id of the fanout group this socket is in. */
    int fanoutId() throws CaptureOpenException {
        return socket.fanoutId(interfaceName);
    }

    /** Replaces the socket's filter. */
    void attachFilter(byte[] filter) throws CaptureOpenException {
        socket.attachFilter(filter, interfaceName);
    }

    /** Frames read from the ring so far; read after {@link #capture} returned. */
    long framesRead() {
        return reader.frames();
    }

    static String via() {
        return RingSocket.via();
    }

    @Override
    public int linkType() {
        return LinkTypes.fromDlt(DLT_EN10MB);
    }

    @Override
    public boolean nanoTimestamps() {
        return nano;
    }

    @Override
    public int snaplen() {
        return snaplen;
    }

    @Override
    public void run(Supplier<BatchPublisher> publishers, CaptureMetrics metrics) throws CaptureOpenException {
        BatchPublisher publisher = publishers.get();
        log.info("capturing on {} (link type {}, snaplen {}, {} timestamps)", interfaceName, linkType(), snaplen,
                nano ? "nanosecond" : "microsecond");
        capture(publisher, metrics);
    }

    /** The capture loop, on the calling thread, until {@link #stop}; then what the ring holds is read. */
    void capture(BatchPublisher publisher, CaptureMetrics metrics) throws CaptureOpenException {
        long nextStats = System.nanoTime() + STATS_EVERY_NANOS;
        int wait = Math.min(timeoutMillis, MAX_WAIT_MILLIS);
        try {
            while (!stopping) {
                readOrWait(publisher, wait);
                // Hand on what the blocks held at once: a block is only handed over by the kernel when
                // full or timed out, so what it held is as old as the batch should ever get.
                publisher.flush();
                long now = System.nanoTime();
                if (now >= nextStats) {
                    pollStats(metrics);
                    nextStats = now + STATS_EVERY_NANOS;
                }
            }
            drainAtStop(publisher, metrics);
        } catch (InterruptedException e) {
            // Only the wait for a free batch can be interrupted; it ends the capture.
            Thread.currentThread().interrupt();
        } finally {
            publisher.flush();
        }
    }

    /**
     * Reads the blocks the kernel has handed over; then waits up to {@code millis}: for a free
     * batch when the reader stopped for want of one (its block kept), else, with nothing read,
     * for the kernel's next block.
     */
    private void readOrWait(BatchPublisher publisher, int millis) throws CaptureOpenException, InterruptedException {
        int read = reader.drain(publisher);
        if (reader.stalled()) {
            publisher.awaitBatch(millis);
        } else if (read == 0) {
            socket.await(millis, interfaceName);
        }
    }

    /**
     * At stop, nothing the kernel accepted is left behind: the socket's filter is replaced by one
     * that takes nothing, then blocks are read until every frame the kernel counted was read or
     * dropped. The block being filled is handed over by the kernel's timer (timeout_ms); what a
     * bound on that wait leaves in the ring is counted as kernel_dropped, with a log line.
     */
    private void drainAtStop(BatchPublisher publisher, CaptureMetrics metrics)
            throws CaptureOpenException, InterruptedException {
        socket.attachFilter(BpfPrograms.DROP_ALL, interfaceName);
        long deadline = System.nanoTime() + Math.max(1000L, 4L * timeoutMillis) * 1_000_000L;
        pollStats(metrics);
        while (reader.frames() + kernelDrops < kernelFrames && System.nanoTime() < deadline) {
            readOrWait(publisher, Math.min(timeoutMillis, 20));
            publisher.flush();
            pollStats(metrics);
        }
        long left = kernelFrames - kernelDrops - reader.frames();
        if (left > 0) {
            log.warn("{} frames were still in the ring of {} at stop; counted as kernel_dropped", left, interfaceName);
            metrics.kernelDropped.addAndGet(left);
        }
    }

    private void pollStats(CaptureMetrics metrics) {
        if (socket.stats(kernel)) {
            kernelFrames += kernel[0];
            kernelDrops += kernel[1];
            metrics.kernelDropped.addAndGet(kernel[1]);
        }
        if (interfaceDrops != null) {
            metrics.interfaceDropped.addAndGet(interfaceDrops.sinceLast());
        }
    }

    @Override
    public void stop() {
        stopping = true;
    }

    @Override
    public void close() {
        socket.close();
    }

    /**
     * Frames the NIC dropped, as libpcap counts them in promiscuous mode ({@code ps_ifdrop}): the
     * interface's rx_missed_errors + rx_fifo_errors. Two small sysfs reads a second on the
     * capture thread, as in libpcap's pcap_stats.
     */
    private static final class InterfaceDrops {
        private final Path missed;
        private final Path fifo;
        private long last;

        InterfaceDrops(String itf) {
            Path dir = Path.of("/sys/class/net", itf, "statistics");
            missed = dir.resolve("rx_missed_errors");
            fifo = dir.resolve("rx_fifo_errors");
            last = read();
        }

        long sinceLast() {
            long now = read();
            long d = Math.max(0, now - last);
            last = now;
            return d;
        }

        private long read() {
            return value(missed) + value(fifo);
        }

        private static long value(Path p) {
            try {
                return Long.parseLong(Files.readString(p).trim());
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
        }
    }
}
