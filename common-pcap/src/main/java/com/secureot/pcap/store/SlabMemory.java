package com.secureot.pcap.store;

import java.nio.ByteBuffer;

/**
 * Memory for the write buffers, in transparent huge pages where the kernel has them. With one file
 * per source address the write buffers of 10 000 files are 180 MiB, written all over: in 4 KiB
 * pages every first touch is a page fault (on a VM an exit to the hypervisor: 170 MiB took 500 ms
 * on the 2-vCPU bench VM, 27 ms in huge pages) and nearly every record a TLB miss. The mapping
 * is aligned to a huge page and advised MADV_HUGEPAGE, which is only a hint: with huge pages off
 * (transparent_hugepage "never") or none free, it is ordinary memory. Where libc cannot be called
 * (see {@link LinuxMmap}) slabs are ordinary direct buffers.
 */
final class SlabMemory {
    /** Slabs are whole huge pages (x86-64 and AArch64 with 4 KiB base pages). */
    static final int HUGE_PAGE = 2 << 20;

    private SlabMemory() {
    }

    /** {@code bytes} (a multiple of {@link #HUGE_PAGE}) of zeroed memory outside the heap; give it back with {@link #release}. */
    static Slab allocate(int bytes) {
        if (LibcMemory.available()) {
            // Over-allocate by a huge page and trim, so that the slab starts on a huge-page boundary.
            long span = (long) bytes + HUGE_PAGE;
            long raw = LibcMemory.mmap(span);
            if (raw != LinuxMmap.MAP_FAILED) {
                long start = (raw + HUGE_PAGE - 1) & -HUGE_PAGE;
                if (start > raw) {
                    LibcMemory.munmap(raw, start - raw);
                }
                long end = start + bytes;
                if (raw + span > end) {
                    LibcMemory.munmap(end, raw + span - end);
                }
                LibcMemory.adviseHugePages(start, bytes);
                return new Slab(LibcMemory.buffer(start, bytes), start);
            }
        }
        return new Slab(ByteBuffer.allocateDirect(bytes), 0);
    }

    /** Unmaps a slab; nothing may use its buffer (or a view of it) afterwards. */
    static void release(Slab slab) {
        if (slab.address() != 0) {
            LibcMemory.munmap(slab.address(), slab.buffer().capacity());
        }
    }

    /** Memory of {@link #allocate}: mapped at {@code address}, or a direct buffer freed by the GC (address 0). */
    record Slab(ByteBuffer buffer, long address) {
    }
}
