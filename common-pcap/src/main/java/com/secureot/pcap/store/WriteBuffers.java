package com.secureot.pcap.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Write buffers of one size for a store's open files: regions cut from 2 MiB slabs and
 * reused as files close. With one file per source address, a buffer object per file was one more
 * cache miss for every packet and an allocation (zeroed, with a cleaner) for every file; a region
 * is a slab the thread touches all the time and an offset. Slabs come from {@link SlabMemory}
 * (in transparent huge pages where the kernel has them) and are kept until {@link #release}, as the open-file bound
 * caps them. One thread owns an instance.
 */
final class WriteBuffers {
    private static final int SLAB_BYTES = SlabMemory.HUGE_PAGE;

    private final int regionBytes;
    private final int regionsPerSlab;
    private final List<SlabMemory.Slab> slabs = new ArrayList<>();
    /** Regions given back, ready for the next file. */
    private int[] free = new int[64];
    private int freeCount;
    /** Regions never handed out, from the end of the newest slab. */
    private int uncut;

    WriteBuffers(int regionBytes) {
        if (regionBytes <= 0 || SLAB_BYTES % regionBytes != 0) {
            throw new IllegalArgumentException("region of " + regionBytes + " bytes does not divide " + SLAB_BYTES);
        }
        this.regionBytes = regionBytes;
        this.regionsPerSlab = SLAB_BYTES / regionBytes;
    }

    int regionBytes() {
        return regionBytes;
    }

    /** A free region's number, for {@link #slab} and {@link #base}. */
    int take() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (uncut == 0) {
            slabs.add(SlabMemory.allocate(SLAB_BYTES));
            uncut = regionsPerSlab;
        }
        return slabs.size() * regionsPerSlab - uncut--;
    }

    void give(int region) {
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = region;
    }

    ByteBuffer slab(int region) {
        return slabs.get(region / regionsPerSlab).buffer();
    }

    /** Gives the memory back; every region must have been given back (no file still writes into one). */
    void release() {
        slabs.forEach(SlabMemory::release);
        slabs.clear();
        freeCount = 0;
        uncut = 0;
    }

    int base(int region) {
        return region % regionsPerSlab * regionBytes;
    }
}
