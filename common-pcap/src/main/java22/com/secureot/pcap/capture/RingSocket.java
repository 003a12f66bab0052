package com.secureot.pcap.capture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Java 22+ version of the class (see src/main/java): the same packet socket and ring, its system
 * calls made through the JDK's foreign function API, errno captured by the linker. Owned by the
 * capture thread, except {@link #close}, which runs after it ended.
 */
final class RingSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RingSocket.class);
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfShort SHORT = JAVA_SHORT;

    /** The C library's functions, bound once; null where the layout is not the one this class writes. */
    private static final class Libc {
        static final boolean OK;
        static final MethodHandle SOCKET;
        static final MethodHandle SETSOCKOPT;
        static final MethodHandle GETSOCKOPT;
        static final MethodHandle BIND;
        static final MethodHandle MMAP;
        static final MethodHandle MUNMAP;
        static final MethodHandle POLL;
        static final MethodHandle CLOSE;
        static final MethodHandle IF_NAMETOINDEX;

        static {
            // The structs are written for LP64 Linux (struct sock_fprog's pointer at 8, mmap's size_t
            // and off_t 64-bit): elsewhere the ring is not offered and libpcap captures.
            boolean layout = LinuxPacket.SUPPORTED && ADDRESS.byteSize() == 8;
            Linker.Option errno = Linker.Option.captureCallState("errno");
            SOCKET = layout ? fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), errno) : null;
            SETSOCKOPT = layout ? fn("setsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno) : null;
            GETSOCKOPT = layout ? fn("getsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), errno) : null;
            BIND = layout ? fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno) : null;
            MMAP = layout ? fn("mmap",
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), errno)
                    : null;
            MUNMAP = layout ? fn("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)) : null;
            POLL = layout ? fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno) : null;
            CLOSE = layout ? fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT)) : null;
            IF_NAMETOINDEX = layout ? fn("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS)) : null;
            OK = layout && SOCKET != null && SETSOCKOPT != null && GETSOCKOPT != null && BIND != null && MMAP != null
                    && MUNMAP != null && POLL != null && CLOSE != null && IF_NAMETOINDEX != null;
        }

        private static MethodHandle fn(String name, FunctionDescriptor d, Linker.Option... options) {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, d, options)).orElse(null);
        }
    }

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment ring;
    private final MemorySegment pollFd;
    private final MemorySegment statsBuf;
    private final MemorySegment statsLen;
    private final MemorySegment callState;
    private boolean closed;

    private RingSocket(int fd, MemorySegment ring) {
        this.fd = fd;
        this.ring = ring;
        pollFd = arena.allocate(LinuxPacket.POLLFD_BYTES, 8);
        pollFd.set(JAVA_INT, 0, fd);
        pollFd.set(SHORT, 4, (short) (LinuxPacket.POLLIN | LinuxPacket.POLLERR));
        statsBuf = arena.allocate(LinuxPacket.TPACKET_STATS_V3_BYTES, 8);
        statsLen = arena.allocate(JAVA_INT);
        callState = arena.allocate(CALL_STATE);
    }

    static boolean available() {
        return Libc.OK;
    }

    static String via() {
        return "the foreign function API";
    }

    static int interfaceIndex(String itf) {
        try (Arena tmp = Arena.ofConfined()) {
            return (int) Libc.IF_NAMETOINDEX.invokeExact(tmp.allocateFrom(itf));
        } catch (Throwable t) {
            throw new IllegalStateException("if_nametoindex", t);
        }
    }

    static RingSocket open(String itf, int ifindex, RingGeometry g, boolean promiscuous, byte[] filter)
            throws CaptureOpenException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment state = tmp.allocate(CALL_STATE);
            int fd = (int) Libc.SOCKET.invokeExact(state, LinuxPacket.AF_PACKET, LinuxPacket.SOCK_RAW, 0);
            if (fd < 0) {
                throw RingErrors.socket(itf, errno(state));
            }
            MemorySegment mapped = MemorySegment.NULL;
            try {
                MemorySegment version = tmp.allocate(JAVA_INT);
                version.set(JAVA_INT, 0, LinuxPacket.TPACKET_V3);
                setsockopt(state, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_VERSION, version, "PACKET_VERSION", itf);
                attach(state, fd, filter, itf);
                MemorySegment req = tmp.allocate(LinuxPacket.TPACKET_REQ3_BYTES, 8);
                req.set(JAVA_INT, 0, g.blockSize());
                req.set(JAVA_INT, 4, g.blocks());
                req.set(JAVA_INT, 8, g.frameSize());
                req.set(JAVA_INT, 12, g.frames());
                req.set(JAVA_INT, 16, g.timeoutMillis());
                setsockopt(state, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_RX_RING, req, "PACKET_RX_RING", itf);
                mapped = (MemorySegment) Libc.MMAP.invokeExact(state, MemorySegment.NULL, g.bytes(),
                        LinuxPacket.PROT_READ_WRITE, LinuxPacket.MAP_SHARED, fd, 0L);
                if (mapped.address() == -1L) {
                    int e = errno(state);
                    mapped = MemorySegment.NULL;
                    throw RingErrors.call(itf, "mmap of the " + (g.bytes() >> 20) + " MiB ring", e);
                }
                MemorySegment sll = tmp.allocate(LinuxPacket.SOCKADDR_LL_BYTES, 8);
                sll.set(SHORT, 0, (short) LinuxPacket.AF_PACKET);
                sll.set(SHORT, 2, RingErrors.htons(LinuxPacket.ETH_P_ALL));
                sll.set(JAVA_INT, 4, ifindex);
                if ((int) Libc.BIND.invokeExact(state, fd, sll, LinuxPacket.SOCKADDR_LL_BYTES) != 0) {
                    throw RingErrors.call(itf, "bind", errno(state));
                }
                if (promiscuous) {
                    MemorySegment mreq = tmp.allocate(LinuxPacket.PACKET_MREQ_BYTES, 8);
                    mreq.set(JAVA_INT, 0, ifindex);
                    mreq.set(SHORT, 4, (short) LinuxPacket.PACKET_MR_PROMISC);
                    setsockopt(state, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_ADD_MEMBERSHIP, mreq,
                            "PACKET_ADD_MEMBERSHIP (promiscuous mode)", itf);
                }
                return new RingSocket(fd, mapped.reinterpret(g.bytes()));
            } catch (CaptureOpenException | RuntimeException e) {
                if (mapped.address() != 0) {
                    int ignored = (int) Libc.MUNMAP.invokeExact(mapped, g.bytes());
                }
                int ignored = (int) Libc.CLOSE.invokeExact(fd);
                throw e;
            }
        } catch (CaptureOpenException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("packet ring setup through the foreign function API", t);
        }
    }

    ByteBuffer ring() {
        return ring.asByteBuffer();
    }

    void attachFilter(byte[] filter, String itf) throws CaptureOpenException {
        attach(callState, fd, filter, itf);
    }

    void joinFanout(int id, int typeFlags, String itf) throws CaptureOpenException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment value = tmp.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, (id & 0xFFFF) | typeFlags << 16);
            setsockopt(callState, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_FANOUT, value, "PACKET_FANOUT", itf);
        }
    }

    int fanoutId(String itf) throws CaptureOpenException {
        statsLen.set(JAVA_INT, 0, 4);
        statsBuf.set(JAVA_INT, 0, 0);
        int rc;
        try {
            rc = (int) Libc.GETSOCKOPT.invokeExact(callState, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_FANOUT,
                    statsBuf, statsLen);
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt", t);
        }
        if (rc != 0) {
            throw RingErrors.call(itf, "getsockopt PACKET_FANOUT", errno(callState));
        }
        return statsBuf.get(JAVA_INT, 0) & 0xFFFF;
    }

    void await(int timeoutMillis, String itf) throws CaptureOpenException {
        int rc;
        try {
            rc = (int) Libc.POLL.invokeExact(callState, pollFd, 1L, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException("poll", t);
        }
        if (rc < 0 && errno(callState) != LinuxPacket.EINTR) {
            throw RingErrors.call(itf, "poll", errno(callState));
        }
        if (rc > 0 && (pollFd.get(SHORT, 6) & LinuxPacket.POLL_FAILED) != 0) {
            int error = socketError();
            if (error != 0) {
                throw RingErrors.failed(itf, error);
            }
        }
    }

    /** SO_ERROR: the socket's pending error, cleared by reading it. */
    private int socketError() {
        statsLen.set(JAVA_INT, 0, 4);
        statsBuf.set(JAVA_INT, 0, 0);
        int rc;
        try {
            rc = (int) Libc.GETSOCKOPT.invokeExact(callState, fd, LinuxPacket.SOL_SOCKET, LinuxPacket.SO_ERROR,
                    statsBuf, statsLen);
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt", t);
        }
        return rc != 0 ? errno(callState) : statsBuf.get(JAVA_INT, 0);
    }

    boolean stats(long[] out) {
        statsLen.set(JAVA_INT, 0, LinuxPacket.TPACKET_STATS_V3_BYTES);
        int rc;
        try {
            rc = (int) Libc.GETSOCKOPT.invokeExact(callState, fd, LinuxPacket.SOL_PACKET, LinuxPacket.PACKET_STATISTICS,
                    statsBuf, statsLen);
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt", t);
        }
        if (rc != 0) {
            log.debug("PACKET_STATISTICS: {}", LinuxPacket.errno(errno(callState)));
            return false;
        }
        out[0] = statsBuf.get(JAVA_INT, 0) & 0xFFFFFFFFL;
        out[1] = statsBuf.get(JAVA_INT, 4) & 0xFFFFFFFFL;
        return true;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) Libc.MUNMAP.invokeExact(ring, ring.byteSize());
            ignored = (int) Libc.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            log.debug("closing the packet ring: {}", t.toString());
        }
        arena.close();
    }

    private static void attach(MemorySegment state, int fd, byte[] filter, String itf) throws CaptureOpenException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment insns = tmp.allocate(filter.length, 8);
            MemorySegment.copy(filter, 0, insns, ValueLayout.JAVA_BYTE, 0, filter.length);
            MemorySegment prog = tmp.allocate(LinuxPacket.SOCK_FPROG_BYTES, 8);
            prog.set(SHORT, 0, (short) (filter.length / BpfPrograms.INSN_BYTES));
            prog.set(ADDRESS, 8, insns);
            setsockopt(state, fd, LinuxPacket.SOL_SOCKET, LinuxPacket.SO_ATTACH_FILTER, prog, "SO_ATTACH_FILTER", itf);
        }
    }

    private static void setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, String what,
                                   String itf) throws CaptureOpenException {
        int rc;
        try {
            rc = (int) Libc.SETSOCKOPT.invokeExact(state, fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("setsockopt", t);
        }
        if (rc != 0) {
            throw RingErrors.call(itf, "setsockopt " + what, errno(state));
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
