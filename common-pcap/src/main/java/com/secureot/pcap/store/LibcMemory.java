package com.secureot.pcap.store;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * mmap(2), munmap(2) and madvise(2) for {@link SlabMemory}, with the arguments of {@link LinuxMmap}.
 * This is the Java 17 version, through JNA (which pcap4j brings); Java 22+ loads the one in
 * src/main/java22, through the JDK's foreign function API.
 */
final class LibcMemory {
    private static final Logger log = LoggerFactory.getLogger(LibcMemory.class);
    private static final LibC LIBC = load();

    private LibcMemory() {
    }

    static boolean available() {
        return LIBC != null;
    }

    /** A new mapping of {@code length} bytes, or {@link LinuxMmap#MAP_FAILED}. */
    static long mmap(long length) {
        return Pointer.nativeValue(LIBC.mmap(null, length, LinuxMmap.PROT_READ_WRITE, LinuxMmap.MAP_PRIVATE_ANONYMOUS, -1, 0));
    }

    static void munmap(long address, long length) {
        LIBC.munmap(new Pointer(address), length);
    }

    /** A hint: its failure (huge pages not built in) changes nothing but speed. */
    static void adviseHugePages(long address, long length) {
        LIBC.madvise(new Pointer(address), length, LinuxMmap.MADV_HUGEPAGE);
    }

    /** A direct buffer over mapped memory; it does not free it. */
    static ByteBuffer buffer(long address, int length) {
        return new Pointer(address).getByteBuffer(0, length);
    }

    private static LibC load() {
        if (!LinuxMmap.SUPPORTED) {
            return null;
        }
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            log.debug("write buffers in ordinary direct buffers: {}", e.toString());
            return null;
        }
    }

    private interface LibC extends Library {
        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int munmap(Pointer addr, long length);

        int madvise(Pointer addr, long length, int advice);
    }
}
