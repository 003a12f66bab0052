package com.secureot.pcap.store;

import java.util.Set;

/**
 * The arguments of mmap(2) and madvise(2) that {@link LibcMemory} passes (both of its versions):
 * private anonymous read-write memory, advised to use huge pages. The values are those of Linux
 * on x86-64 and AArch64; other architectures number some of them differently, so there the
 * write buffers are ordinary direct buffers.
 */
final class LinuxMmap {
    static final boolean SUPPORTED = System.getProperty("os.name", "").equals("Linux")
            && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch", ""));
    static final int PROT_READ_WRITE = 0x1 | 0x2;
    static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    static final long MAP_FAILED = -1;
    static final int MADV_HUGEPAGE = 14;

    private LinuxMmap() {
    }
}
