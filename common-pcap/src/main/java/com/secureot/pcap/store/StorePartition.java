package com.secureot.pcap.store;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One of several stores writing into the same folder, each on its own thread: a prefix belongs
 * to exactly one of them (by its hash), so every file still has one owner. They share the set of
 * open files, which retention must never delete; partition 0 runs retention and the open-file
 * budget is split between them.
 *
 * @param openPaths files open in any partition (thread-safe)
 */
public record StorePartition(int index, int count, Set<Path> openPaths) {

    public StorePartition {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("partition " + index + " of " + count);
        }
    }

    /** The only partition: one store owns every prefix. */
    public static StorePartition single() {
        return new StorePartition(0, 1, ConcurrentHashMap.newKeySet());
    }

    /** {@code count} partitions sharing one set of open files. */
    public static StorePartition[] of(int count) {
        Set<Path> shared = ConcurrentHashMap.newKeySet();
        StorePartition[] out = new StorePartition[count];
        for (int i = 0; i < count; i++) {
            out[i] = new StorePartition(i, count, shared);
        }
        return out;
    }

    boolean owns(String prefix) {
        return count == 1 || Math.floorMod(prefix.hashCode(), count) == index;
    }
}
