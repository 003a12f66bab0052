package com.secureot.pcap.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One of several stores writing into the same folder, each on its own thread: a prefix belongs
 * to exactly one of them (by its hash), so every file still has one owner. They share what they
 * know of the folder: the files open in any of them (which retention must never delete), the
 * names in it (listed once, not once per store) and the thread that creates files (creations in
 * one folder serialise on its lock: a second thread only spins on it, measured with perf).
 * Partition 0 runs retention; the open-file budget is split between them.
 */
public final class StorePartition {
    private final int index;
    private final int count;
    private final Set<Path> openPaths;
    private final Set<String> names;
    private final FileOpener opener;
    private final AtomicInteger unreleased;
    /** Shared: the folder is repaired and listed once for all partitions, not once per store. */
    private final AtomicBoolean listed;

    private StorePartition(int index, int count, Set<Path> openPaths, Set<String> names, FileOpener opener,
                           AtomicInteger unreleased, AtomicBoolean listed) {
        this.index = index;
        this.count = count;
        this.openPaths = openPaths;
        this.names = names;
        this.opener = opener;
        this.unreleased = unreleased;
        this.listed = listed;
    }

    /** The only partition: one store owns every prefix. */
    public static StorePartition single() {
        return of(1)[0];
    }

    /** {@code count} partitions sharing what they know of the folder. */
    public static StorePartition[] of(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
        }
        // Sets behind a lock rather than ConcurrentHashMap: each changes once per file and is
        // rarely contended, and with one file per address the JIT compiled ConcurrentHashMap's
        // insert, resize and remove for these two sets alone (HashMap's code is compiled anyway).
        Set<Path> open = Collections.synchronizedSet(new HashSet<>());
        Set<String> names = Collections.synchronizedSet(new HashSet<>());
        FileOpener opener = new FileOpener();
        AtomicInteger unreleased = new AtomicInteger(count);
        AtomicBoolean listed = new AtomicBoolean();
        StorePartition[] out = new StorePartition[count];
        for (int i = 0; i < count; i++) {
            out[i] = new StorePartition(i, count, open, names, opener, unreleased, listed);
        }
        return out;
    }

    public int index() {
        return index;
    }

    public int count() {
        return count;
    }

    boolean owns(String prefix) {
        return ownerOf(prefix, count) == index;
    }

    /** The partition, of {@code count}, that writes {@code prefix}. */
    static int ownerOf(String prefix, int count) {
        return count == 1 ? 0 : Math.floorMod(prefix.hashCode(), count);
    }

    /** The thread that creates files for every partition. */
    FileOpener opener() {
        return opener;
    }

    /** Called once by each partition's store when it closed; the last one stops the opener. */
    void release() {
        if (unreleased.decrementAndGet() == 0) {
            opener.close();
        }
    }

    /** Files open in any partition. */
    Set<Path> openPaths() {
        return openPaths;
    }

    /**
     * Readies {@code dir} for the stores of this group, once, before any of them writes: repairs
     * what an earlier run left damaged (see {@link TornFileRepair}), then lists the names.
     */
    void prepare(Path dir, com.secureot.pcap.metrics.CaptureMetrics metrics) {
        synchronized (names) {
            if (!listed.get()) {
                TornFileRepair.repair(dir, metrics);
                names(dir);
            }
        }
    }

    /**
     * Names in {@code dir}, listed on first use and then kept up to date by the stores: asking the
     * file system whether each new name exists costs a metadata lookup that waits behind the
     * journal while data is being written (0.5 ms a file measured here).
     */
    Set<String> names(Path dir) {
        if (!listed.get()) {
            synchronized (names) {
                if (!listed.get()) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                        for (Path n : files) {
                            names.add(n.getFileName().toString());
                        }
                    } catch (IOException e) {
                        // Unreadable now: CREATE_NEW still refuses to overwrite; the error shows when writing.
                    }
                    listed.set(true);
                }
            }
        }
        return names;
    }
}
