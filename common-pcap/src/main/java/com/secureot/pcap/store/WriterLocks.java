package com.secureot.pcap.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The OS advisory lock (fcntl, exclusive, whole file) a store holds on every file it has open for
 * writing, so that another process sharing the folder (a second span-pcap with another prefix, a
 * collector next to a sensor) can tell a file a live writer appends to from one a dead writer
 * left: the kernel releases the lock when the process ends, kill -9 included. Repair and
 * retention leave a locked file alone.
 *
 * <p>Java's locks are POSIX record locks, held by the process: closing any channel of the file
 * in this process releases them all, and a second lock on the file from this process throws
 * {@link OverlappingFileLockException}. So this process never opens a file it holds to test it:
 * {@link #heldHere} says which paths it holds, and the test is made only on the others.
 * A file system without locks (some network or FUSE ones) is written without them, with one
 * warning: repair then trusts that one process writes the folder, as before.
 */
final class WriterLocks {
    private static final Logger log = LoggerFactory.getLogger(WriterLocks.class);
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean warned = new AtomicBoolean();

    private WriterLocks() {
    }

    /**
     * Locks a file this process has just created, before anything is written to it; waits while
     * another process's repair or retention reads it (a moment: no other writer has it).
     */
    static void lockCreated(FileChannel ch, Path p) throws IOException {
        try {
            ch.lock();
            HELD.add(p.toAbsolutePath());
        } catch (OverlappingFileLockException e) {
            HELD.add(p.toAbsolutePath()); // held by this process already
        } catch (IOException e) {
            if (!ch.isOpen()) {
                throw e; // interrupted (the channel is closed): the open failed
            }
            unsupported(p, e);
        }
    }

    /**
     * Locks an existing file this process is to append to; false when another process holds it
     * (a live writer: this one must start a new part).
     */
    static boolean tryLockExisting(FileChannel ch, Path p) {
        try {
            if (ch.tryLock() == null) {
                return false;
            }
        } catch (OverlappingFileLockException e) {
            return false;
        } catch (IOException e) {
            unsupported(p, e);
        }
        HELD.add(p.toAbsolutePath());
        return true;
    }

    /** The store closed {@code p} (its lock went with the channel). */
    static void released(Path p) {
        HELD.remove(p.toAbsolutePath());
    }

    /** True when this process holds {@code p} open for writing. */
    static boolean heldHere(Path p) {
        return HELD.contains(p.toAbsolutePath());
    }

    /**
     * For repair: the lock of {@code ch} (opened for writing) if no live process holds the file,
     * else null. A file system without locks gives a lock-less answer: the file is free.
     */
    static Free tryFree(FileChannel ch, Path p) {
        try {
            FileLock l = ch.tryLock();
            return l == null ? null : Free.LOCKED;
        } catch (OverlappingFileLockException e) {
            return null;
        } catch (IOException e) {
            unsupported(p, e);
            return Free.UNLOCKED;
        }
    }

    /**
     * For retention: deletes {@code p} unless a live process holds it for writing (then false).
     * The file is opened for reading and a shared lock asked for, which a writer's exclusive
     * lock refuses, and held while the name is removed: a writer of another process that opens
     * the file meanwhile cannot lock it, and one that locks it after finds the name gone
     * ({@link #tryLockExisting} callers check), so nobody appends to a deleted file.
     */
    static boolean deleteIfFree(Path p) throws IOException {
        if (heldHere(p)) {
            return false;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException gone) {
            return true;
        }
        try (ch) {
            try {
                if (ch.tryLock(0, Long.MAX_VALUE, true) == null) {
                    return false;
                }
            } catch (OverlappingFileLockException e) {
                return false;
            } catch (IOException e) {
                unsupported(p, e);
            }
            java.nio.file.Files.deleteIfExists(p);
            return true;
        }
    }

    /** How repair got a file no live process holds. */
    enum Free { LOCKED, UNLOCKED }

    private static void unsupported(Path p, IOException e) {
        if (warned.compareAndSet(false, true)) {
            log.warn("cannot lock {} ({}): this file system gives no advisory locks, so the repair at start cannot "
                    + "tell a file another live daemon writes in this folder from a damaged one; give each daemon "
                    + "its own folder", p, IoErrors.describe(e));
        }
    }
}
