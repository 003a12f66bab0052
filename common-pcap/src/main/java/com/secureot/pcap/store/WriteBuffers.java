package com.secureot.pcap.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Write buffers of one size for a store's open files: regions cut from 1 MiB direct buffers and
 * reused as files close. With one file per source address, a buffer object per file was one more
 * cache miss for every packet and an allocation (zeroed, with a cleaner) for every file; a region
 * is a slab the thread touches all the time and an offset. Memory is never given back, as the
 * open-file bound caps it. One thread owns an instance.
 */
final class WriteBuffers {
    private static final int SLAB_BYTES = 1 << 20;

    private final int regionBytes;
    private final int regionsPerSlab;
    private final List<ByteBuffer> slabs = new ArrayList<>();
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
            slabs.add(ByteBuffer.allocateDirect(SLAB_BYTES).order(ByteOrder.LITTLE_ENDIAN));
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
        return slabs.get(region / regionsPerSlab);
    }

    int base(int region) {
        return region % regionsPerSlab * regionBytes;
    }
}
