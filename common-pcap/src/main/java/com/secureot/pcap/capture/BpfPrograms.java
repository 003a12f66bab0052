package com.secureot.pcap.capture;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Classic BPF programs for a packet socket, as SO_ATTACH_FILTER takes them (struct sock_filter:
 * u16 code, u8 jt, u8 jf, u32 k, native order). A filter expression is compiled by libpcap's own
 * {@code pcap_compile} on a dead handle of the capture's link type and snaplen, so that the ring
 * accepts exactly the language, and returns the same cut length, that tcpdump's capture would.
 * Called once at start (through JNA on every Java version: it is not on any per-frame path).
 */
final class BpfPrograms {
    static final int INSN_BYTES = 8;
    private static final int BPF_RET_K = 0x06;
    private static final int PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF;
    /** Accepts nothing: attached at stop, so that the kernel puts no more frames in the ring. */
    static final byte[] DROP_ALL = ret(0);

    private BpfPrograms() {
    }

    /** Accepts every frame, cut by the kernel at {@code snaplen} (libpcap would cut it in user space). */
    static byte[] acceptAll(int snaplen) {
        return ret(snaplen);
    }

    /** {@code expression} compiled for {@code dlt}; fails with libpcap's own message. */
    static byte[] compile(String expression, int dlt, int snaplen) throws CaptureFilterException {
        try {
            return instructions(expression, dlt, snaplen);
        } catch (Rejected e) {
            throw new CaptureFilterException("capture.bpf_filter: \"" + expression + "\" rejected by libpcap: "
                    + e.getMessage());
        }
    }

    /** libpcap's reason for refusing {@code expression}, or null when it compiles. */
    static String problem(String expression, int dlt, int snaplen) {
        try {
            instructions(expression, dlt, snaplen);
            return null;
        } catch (Rejected e) {
            return e.getMessage();
        }
    }

    private static byte[] instructions(String expression, int dlt, int snaplen) throws Rejected {
        Pcap pcap = Holder.PCAP;
        Pointer p = pcap.pcap_open_dead(dlt, snaplen);
        if (p == null) {
            throw new IllegalStateException("pcap_open_dead(" + dlt + ", " + snaplen + ") failed");
        }
        try {
            Memory program = new Memory(16); // struct bpf_program on LP64: u_int bf_len, pointer at 8
            program.clear();
            if (pcap.pcap_compile(p, program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0) {
                throw new Rejected(pcap.pcap_geterr(p).getString(0));
            }
            try {
                int n = program.getInt(0);
                return program.getPointer(8).getByteArray(0, n * INSN_BYTES);
            } finally {
                pcap.pcap_freecode(program);
            }
        } finally {
            pcap.pcap_close(p);
        }
    }

    /** libpcap's message for a filter it refused. */
    private static final class Rejected extends Exception {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private static byte[] ret(int k) {
        return ByteBuffer.allocate(INSN_BYTES).order(ByteOrder.nativeOrder()).putShort((short) BPF_RET_K)
                .put((byte) 0).put((byte) 0).putInt(k).array();
    }

    /** libpcap, loaded on first compile, from where {@link PcapLibrary} found it. */
    private static final class Holder {
        static final Pcap PCAP = load();

        private static Pcap load() {
            PcapLibrary.configure();
            return Native.load(System.getProperty(PcapLibrary.PROPERTY, "pcap"), Pcap.class);
        }
    }

    private interface Pcap extends Library {
        Pointer pcap_open_dead(int linkType, int snaplen);

        int pcap_compile(Pointer p, Pointer program, String expression, int optimize, int netmask);

        Pointer pcap_geterr(Pointer p);

        void pcap_freecode(Pointer program);

        void pcap_close(Pointer p);
    }
}
