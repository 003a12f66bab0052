package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.packet.PacketBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Live capture calling libpcap through the JDK's foreign function API (Java 22+): pcap_dispatch
 * with an upcall that copies each packet once, from libpcap's ring straight into the batch,
 * without the per-packet byte array and timestamp objects that pcap4j/JNA allocate.
 */
final class FfmCapture extends DispatchLoop {
    private static final Logger log = LoggerFactory.getLogger(FfmCapture.class);
    private static final int ERRBUF_SIZE = 256;
    private static final int PCAP_TSTAMP_PRECISION_NANO = 1;
    private static final int PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF;
    private static final int PKTHDR_BYTES = 24; // struct timeval (2 x long) + caplen + len, on LP64 Linux
    /**
     * The upcall reads struct pcap_pkthdr as LP64 Linux lays it out: tv_sec and tv_usec 64-bit.
     * A 32-bit system has an 8-byte timeval and macOS a 32-bit tv_usec, so elsewhere this path is
     * not offered (pcap4j, which reads the header through JNA's struct mapping, captures).
     */
    static final boolean LAYOUT_OK = System.getProperty("os.name", "").equals("Linux") && ADDRESS.byteSize() == 8;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** The libpcap functions used, bound once per process. */
    private static final class Pcap {
        static final Linker LINKER = Linker.nativeLinker();
        static final SymbolLookup LIB;
        static final MethodHandle CREATE;
        static final MethodHandle SET_SNAPLEN;
        static final MethodHandle SET_PROMISC;
        static final MethodHandle SET_TIMEOUT;
        static final MethodHandle SET_BUFFER_SIZE;
        static final MethodHandle SET_TSTAMP_PRECISION;
        static final MethodHandle ACTIVATE;
        static final MethodHandle GET_TSTAMP_PRECISION;
        static final MethodHandle DATALINK;
        static final MethodHandle GETERR;
        static final MethodHandle STATUSTOSTR;
        static final MethodHandle COMPILE;
        static final MethodHandle SETFILTER;
        static final MethodHandle FREECODE;
        static final MethodHandle DISPATCH;
        static final MethodHandle BREAKLOOP;
        static final MethodHandle STATS;
        static final MethodHandle CLOSE;

        static {
            PcapLibrary.configure();
            LIB = SymbolLookup.libraryLookup(System.getProperty(PcapLibrary.PROPERTY, "libpcap.so.0.8"), Arena.global());
            CREATE = fn("pcap_create", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
            SET_SNAPLEN = fn("pcap_set_snaplen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            SET_PROMISC = fn("pcap_set_promisc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            SET_TIMEOUT = fn("pcap_set_timeout", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            SET_BUFFER_SIZE = fn("pcap_set_buffer_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            SET_TSTAMP_PRECISION = fn("pcap_set_tstamp_precision", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            ACTIVATE = fn("pcap_activate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            GET_TSTAMP_PRECISION = fn("pcap_get_tstamp_precision", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            DATALINK = fn("pcap_datalink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            GETERR = fn("pcap_geterr", FunctionDescriptor.of(ADDRESS, ADDRESS));
            STATUSTOSTR = fn("pcap_statustostr", FunctionDescriptor.of(ADDRESS, JAVA_INT));
            COMPILE = fn("pcap_compile", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
            SETFILTER = fn("pcap_setfilter", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            FREECODE = fn("pcap_freecode", FunctionDescriptor.ofVoid(ADDRESS));
            DISPATCH = fn("pcap_dispatch", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            BREAKLOOP = fn("pcap_breakloop", FunctionDescriptor.ofVoid(ADDRESS));
            STATS = fn("pcap_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            CLOSE = fn("pcap_close", FunctionDescriptor.ofVoid(ADDRESS));
        }

        private static MethodHandle fn(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(LIB.find(name).orElseThrow(
                    () -> new IllegalStateException("libpcap has no " + name)), d);
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment stats;
    private final MemorySegment callback;
    private boolean closed;
    // Set by dispatch(); read by the upcall on the same thread.
    private Throwable callbackFailure;

    private FfmCapture(MemorySegment handle, String interfaceName, int snaplen, boolean nano, int linkType)
            throws ReflectiveOperationException {
        super(interfaceName, linkType, snaplen, nano);
        this.handle = handle;
        this.stats = arena.allocate(16);
        MethodHandle onPacket = MethodHandles.lookup().findVirtual(FfmCapture.class, "onPacket",
                MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, MemorySegment.class))
                .bindTo(this);
        this.callback = Pcap.LINKER.upcallStub(onPacket, FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS), arena);
    }

    static FfmCapture open(CaptureConfig c, String bpfFilter) throws CaptureOpenException, CaptureFilterException {
        String itf = c.interfaceName();
        MemorySegment h;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment errbuf = tmp.allocate(ERRBUF_SIZE);
            h = (MemorySegment) Pcap.CREATE.invokeExact(tmp.allocateFrom(itf), errbuf);
            if (h.address() == 0) {
                throw new CaptureOpenException("interface \"" + itf + "\" cannot be opened: " + errbuf.getString(0));
            }
            int rc = (int) Pcap.SET_SNAPLEN.invokeExact(h, c.snaplen());
            rc |= (int) Pcap.SET_PROMISC.invokeExact(h, c.promiscuous() ? 1 : 0);
            rc |= (int) Pcap.SET_TIMEOUT.invokeExact(h, c.timeoutMillis());
            rc |= (int) Pcap.SET_BUFFER_SIZE.invokeExact(h, c.bufferSizeBytes());
            if (c.nanoTimestamps()) {
                int ignored = (int) Pcap.SET_TSTAMP_PRECISION.invokeExact(h, PCAP_TSTAMP_PRECISION_NANO);
            }
            int status = (int) Pcap.ACTIVATE.invokeExact(h);
            if (rc != 0 || status < 0) {
                String why = error(h, status);
                Pcap.CLOSE.invokeExact(h);
                throw new CaptureOpenException(status == CapturePermission.PCAP_ERROR_PERM_DENIED
                        ? CapturePermission.denied(itf, why) : "interface \"" + itf + "\" cannot be opened: " + why);
            }
            boolean nano = (int) Pcap.GET_TSTAMP_PRECISION.invokeExact(h) == PCAP_TSTAMP_PRECISION_NANO;
            if (c.nanoTimestamps() && !nano) {
                log.warn("interface {}: nanosecond timestamps refused by the kernel or driver; using microseconds", itf);
            }
            if (bpfFilter != null) {
                MemorySegment program = tmp.allocate(16); // struct bpf_program { u_int len; insn *insns; }
                int crc = (int) Pcap.COMPILE.invokeExact(h, program, tmp.allocateFrom(bpfFilter), 1, PCAP_NETMASK_UNKNOWN);
                if (crc != 0) {
                    String why = error(h, crc);
                    Pcap.CLOSE.invokeExact(h);
                    throw new CaptureFilterException("capture.bpf_filter: \"" + bpfFilter + "\" rejected by libpcap on "
                            + itf + ": " + why);
                }
                int frc = (int) Pcap.SETFILTER.invokeExact(h, program);
                Pcap.FREECODE.invokeExact(program);
                if (frc != 0) {
                    String why = error(h, frc);
                    Pcap.CLOSE.invokeExact(h);
                    throw new CaptureFilterException("capture.bpf_filter: \"" + bpfFilter + "\" cannot be installed on "
                            + itf + ": " + why);
                }
            }
            int dlt = (int) Pcap.DATALINK.invokeExact(h);
            return new FfmCapture(h, itf, c.snaplen(), nano, LinkTypes.fromDlt(dlt));
        } catch (CaptureOpenException | CaptureFilterException e) {
            throw e;
        } catch (Throwable t) {
            throw new CaptureOpenException("libpcap cannot be used through the foreign function API (set "
                    + "capture.backend: pcap4j): " + t);
        }
    }

    /** libpcap's own message for a failed call, or the text of its status code. */
    private static String error(MemorySegment h, int status) throws Throwable {
        String text = ((MemorySegment) Pcap.GETERR.invokeExact(h)).reinterpret(ERRBUF_SIZE).getString(0);
        if (text.isBlank()) {
            text = ((MemorySegment) Pcap.STATUSTOSTR.invokeExact(status)).reinterpret(ERRBUF_SIZE).getString(0);
        }
        return text;
    }

    /** The upcall: runs on the capture thread inside pcap_dispatch. It must never throw. */
    private void onPacket(MemorySegment user, MemorySegment header, MemorySegment bytes) {
        try {
            MemorySegment h = header.reinterpret(PKTHDR_BYTES);
            long sec = h.get(LONG, 0);
            long frac = h.get(LONG, 8);
            int capLen = Math.min(h.get(INT, 16), snaplen);
            int origLen = h.get(INT, 20);
            PacketBatch batch = publisher.reserve(capLen);
            if (batch != null) {
                MemorySegment.copy(bytes.reinterpret(capLen), ValueLayout.JAVA_BYTE, 0, batch.data, batch.used, capLen);
                publisher.commit(capLen, origLen, linkType, sec, (int) frac, nano, snaplen,
                        null);
            }
        } catch (Throwable t) {
            if (callbackFailure == null) {
                callbackFailure = t;
            }
            stop();
        }
    }

    @Override
    protected void dispatch() throws CaptureOpenException {
        int n;
        try {
            n = (int) Pcap.DISPATCH.invokeExact(handle, -1, callback, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (callbackFailure != null) {
            throw new IllegalStateException("packet callback failed", callbackFailure);
        }
        if (n == -1) {
            throw new CaptureOpenException("capture on \"" + interfaceName + "\" failed: " + lastError(n));
        }
    }

    private String lastError(int status) {
        try {
            return error(handle, status);
        } catch (Throwable t) {
            return "status " + status;
        }
    }

    @Override
    protected long[] stats() {
        try {
            if ((int) Pcap.STATS.invokeExact(handle, stats) == 0) {
                return new long[] {stats.get(INT, 4), stats.get(INT, 8)}; // unsigned: KernelDropCounter masks
            }
        } catch (Throwable t) {
            log.debug("pcap_stats on {}: {}", interfaceName, t.toString());
        }
        return null;
    }

    @Override
    protected void breakLoop() {
        try {
            Pcap.BREAKLOOP.invokeExact(handle);
        } catch (Throwable t) {
            // nothing more to do: the loop sees the stop within one timeout
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Pcap.CLOSE.invokeExact(handle);
        } catch (Throwable t) {
            log.debug("pcap_close: {}", t.toString());
        }
        arena.close();
    }
}
