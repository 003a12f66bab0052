package com.secureot.pcap.store;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Java 22+ version of the class (see src/main/java): mmap(2), munmap(2) and madvise(2) through the
 * JDK's foreign function API.
 */
final class LibcMemory {
    private static final MethodHandle MMAP = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = handle("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private LibcMemory() {
    }

    static boolean available() {
        return MMAP != null && MUNMAP != null && MADVISE != null;
    }

    static long mmap(long length) {
        try {
            return ((MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, LinuxMmap.PROT_READ_WRITE,
                    LinuxMmap.MAP_PRIVATE_ANONYMOUS, -1, 0L)).address();
        } catch (Throwable t) {
            throw new IllegalStateException("mmap", t);
        }
    }

    static void munmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap", t);
        }
    }

    static void adviseHugePages(long address, long length) {
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(address), length, LinuxMmap.MADV_HUGEPAGE);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise", t);
        }
    }

    static ByteBuffer buffer(long address, int length) {
        return MemorySegment.ofAddress(address).reinterpret(length).asByteBuffer();
    }

    /** The function, or null where it cannot be called (then slabs are direct buffers, as on Java 17 without JNA). */
    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        if (!LinuxMmap.SUPPORTED) {
            return null;
        }
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, descriptor)).orElse(null);
    }
}
