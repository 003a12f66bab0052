package com.secureot.pcap.capture;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * An AF_PACKET socket with a TPACKET_V3 receive ring mapped into this process: the system calls
 * of {@link RingCapture}, made once at setup, once per block (poll) and once a second (statistics),
 * never per frame. This is the Java 17 version, through JNA (which pcap4j brings); Java 22+ loads
 * the one in src/main/java22, through the JDK's foreign function API. Owned by the capture thread,
 * except {@link #close}, which runs after it ended.
 */
final class RingSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RingSocket.class);
    private static final LibC LIBC = load();

    private final int fd;
    private final Pointer ring;
    private final long ringBytes;
    private final Memory pollFd = new Memory(LinuxPacket.POLLFD_BYTES);
    private final Memory statsBuf = new Memory(LinuxPacket.TPACKET_STATS_V3_BYTES);
    private final IntByReference statsLen = new IntByReference();
    private boolean closed;

    private RingSocket(int fd, Pointer ring, long ringBytes) {
        this.fd = fd;
        this.ring = ring;
        this.ringBytes = ringBytes;
        pollFd.setInt(0, fd);
        pollFd.setShort(4, (short) (LinuxPacket.POLLIN | LinuxPacket.POLLERR));
    }

    /** True when this JVM can open the ring (Linux, a known layout, the C library reachable). */
    static boolean available() {
        return LIBC != null;
    }

    /** How the system calls are made, for the log line. */
    static String via() {
        return "JNA";
    }

    /** The interface's index, or 0 when there is no such interface. */
    static int interfaceIndex(String itf) {
        return LIBC.if_nametoindex(itf);
    }

    /**
     * Opens a socket on interface {@code ifindex} whose ring holds {@code g.blocks()} blocks, with
     * {@code filter} (classic BPF instructions, 8 bytes each, native order) attached before the
     * first frame can arrive.
     */
    static RingSocket open(String itf, int ifindex, RingGeometry g, boolean promiscuous, byte[] filter)
            throws CaptureOpenException {
        int fd;
        try {
            // Protocol 0: the socket receives nothing until bind, after the filter and the ring are in place.
            fd = LIBC.socket(LinuxPacket.AF_PACKET, LinuxPacket.SOCK_RAW, 0);
        } catch (LastErrorException e) {
            throw RingErrors.socket(itf, e.getErrorCode());
        }
        Pointer mapped = null;
        try {
            Memory version = new Memory(4);
            version.setInt(0, LinuxPacket.TPACKET_V3);
            setsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_VERSION, version, "PACKET_VERSION", itf);
            attach(fd, filter, itf);
            Memory req = new Memory(LinuxPacket.TPACKET_REQ3_BYTES);
            req.clear();
            req.setInt(0, g.blockSize());
            req.setInt(4, g.blocks());
            req.setInt(8, g.frameSize());
            req.setInt(12, g.frames());
            req.setInt(16, g.timeoutMillis());
            setsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_RX_RING, req, "PACKET_RX_RING", itf);
            try {
                mapped = LIBC.mmap(null, g.bytes(), LinuxPacket.PROT_READ_WRITE, LinuxPacket.MAP_SHARED, fd, 0);
            } catch (LastErrorException e) {
                throw RingErrors.call(itf, "mmap of the " + (g.bytes() >> 20) + " MiB ring", e.getErrorCode());
            }
            Memory sll = new Memory(LinuxPacket.SOCKADDR_LL_BYTES);
            sll.clear();
            sll.setShort(0, (short) LinuxPacket.AF_PACKET);
            sll.setShort(2, RingErrors.htons(LinuxPacket.ETH_P_ALL));
            sll.setInt(4, ifindex);
            try {
                LIBC.bind(fd, sll, LinuxPacket.SOCKADDR_LL_BYTES);
            } catch (LastErrorException e) {
                throw RingErrors.call(itf, "bind", e.getErrorCode());
            }
            if (promiscuous) {
                Memory mreq = new Memory(LinuxPacket.PACKET_MREQ_BYTES);
                mreq.clear();
                mreq.setInt(0, ifindex);
                mreq.setShort(4, (short) LinuxPacket.PACKET_MR_PROMISC);
                setsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_ADD_MEMBERSHIP, mreq,
                        "PACKET_ADD_MEMBERSHIP (promiscuous mode)", itf);
            }
            return new RingSocket(fd, mapped, g.bytes());
        } catch (CaptureOpenException | RuntimeException e) {
            if (mapped != null) {
                LIBC.munmap(mapped, g.bytes());
            }
            LIBC.close(fd);
            throw e;
        }
    }

    /** The mapped ring, read by {@link RingReader}. */
    ByteBuffer ring() {
        return ring.getByteBuffer(0, ringBytes);
    }

    /** Replaces the socket's filter; with {@link BpfPrograms#DROP_ALL} the kernel puts nothing more in the ring. */
    void attachFilter(byte[] filter, String itf) throws CaptureOpenException {
        attach(fd, filter, itf);
    }

    /**
     * PACKET_FANOUT: joins the group {@code id} of this interface, which spreads frames over its
     * sockets by {@code typeFlags} (the low 16 bits: mode, the high: flags).
     */
    void joinFanout(int id, int typeFlags, String itf) throws CaptureOpenException {
        Memory value = new Memory(4);
        value.setInt(0, (id & 0xFFFF) | typeFlags << 16);
        setsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_FANOUT, value, "PACKET_FANOUT", itf);
    }

    /** The id of the fanout group this socket is in (the low 16 bits of getsockopt PACKET_FANOUT). */
    int fanoutId(String itf) throws CaptureOpenException {
        Memory value = new Memory(4);
        value.setInt(0, 0);
        IntByReference length = new IntByReference(4);
        try {
            LIBC.getsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_FANOUT, value, length);
        } catch (LastErrorException e) {
            throw RingErrors.call(itf, "getsockopt PACKET_FANOUT", e.getErrorCode());
        }
        return value.getInt(0) & 0xFFFF;
    }

    /**
     * Waits up to {@code timeoutMillis} for the kernel to hand over a block; a signal ends the wait
     * early. Fails when the socket reports an error (the interface went away or down), as
     * libpcap's capture does, so that the daemon exits and is restarted rather than spin.
     */
    void await(int timeoutMillis, String itf) throws CaptureOpenException {
        try {
            if (Poll.poll(pollFd, 1, timeoutMillis) > 0 && (pollFd.getShort(6) & LinuxPacket.POLL_FAILED) != 0) {
                int error = socketError();
                if (error != 0) {
                    throw RingErrors.failed(itf, error);
                }
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LinuxPacket.EINTR) {
                throw RingErrors.call(itf, "poll", e.getErrorCode());
            }
        }
    }

    /** SO_ERROR: the socket's pending error, cleared by reading it. */
    private int socketError() {
        Memory value = new Memory(4);
        value.setInt(0, 0);
        IntByReference length = new IntByReference(4);
        try {
            LIBC.getsockopt(fd, LinuxPacket.SOL_SOCKET, LinuxPacket.SO_ERROR, value, length);
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
        return value.getInt(0);
    }

    /**
     * The kernel's counts since the previous call (reading resets them): {@code out[0]} frames
     * that passed the filter (stored in the ring or dropped), {@code out[1]} dropped for want of
     * ring space. False when the call failed.
     */
    boolean stats(long[] out) {
        statsLen.setValue(LinuxPacket.TPACKET_STATS_V3_BYTES);
        try {
            LIBC.getsockopt(fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_STATISTICS, statsBuf, statsLen);
        } catch (LastErrorException e) {
            log.debug("PACKET_STATISTICS: {}", LinuxPacket.errno(e.getErrorCode()));
            return false;
        }
        out[0] = statsBuf.getInt(0) & 0xFFFFFFFFL;
        out[1] = statsBuf.getInt(4) & 0xFFFFFFFFL;
        return true;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIBC.munmap(ring, ringBytes);
        LIBC.close(fd);
    }

    private static void attach(int fd, byte[] filter, String itf) throws CaptureOpenException {
        Memory insns = new Memory(filter.length);
        insns.write(0, filter, 0, filter.length);
        Memory prog = new Memory(LinuxPacket.SOCK_FPROG_BYTES);
        prog.clear();
        prog.setShort(0, (short) (filter.length / BpfPrograms.INSN_BYTES));
        prog.setPointer(8, insns);
        setsockopt(fd, LinuxPacket.SOL_SOCKET, LinuxPacket.SO_ATTACH_FILTER, prog, "SO_ATTACH_FILTER", itf);
    }

    private static void setsockopt(int fd, int level, int name, Memory value, String what, String itf)
            throws CaptureOpenException {
        try {
            LIBC.setsockopt(fd, level, name, value, (int) value.size());
        } catch (LastErrorException e) {
            throw RingErrors.call(itf, "setsockopt " + what, e.getErrorCode());
        }
    }

    private static LibC load() {
        if (!LinuxPacket.SUPPORTED || Native.POINTER_SIZE != 8) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            log.debug("no packet ring through JNA: {}", e.toString());
            return null;
        }
    }

    /**
     * poll(2) by JNA's direct mapping: it runs once per block, and an interface method would go
     * through a reflective proxy (argument arrays, method lookup) on each call.
     */
    private static final class Poll {
        static {
            Native.register(Poll.class, "c");
        }

        static native int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;
    }

    private interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Pointer value, int length) throws LastErrorException;

        int getsockopt(int fd, int level, int name, Pointer value, IntByReference length) throws LastErrorException;

        int bind(int fd, Pointer address, int length) throws LastErrorException;

        Pointer mmap(Pointer address, long length, int prot, int flags, int fd, long offset) throws LastErrorException;

        int munmap(Pointer address, long length);

        int close(int fd);

        int if_nametoindex(String name);
    }
}
