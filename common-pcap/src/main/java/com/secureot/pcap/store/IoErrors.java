package com.secureot.pcap.store;

import com.secureot.pcap.metrics.DropReason;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an I/O error of the store is: a full disk (ENOSPC, EDQUOT), no descriptor left (EMFILE,
 * ENFILE), or anything else. Never read from the message as written in English: the JDK takes an
 * error's text from the C library's {@code strerror}, in the process's locale (the JVM calls
 * {@code setlocale(LC_ALL, "")} at start), so under {@code LC_ALL=de_DE.UTF-8} a full disk reads
 * "Auf dem Gerät ist kein Speicherplatz mehr verfügbar".
 *
 * <p>The JDK keeps the errno to itself ({@code sun.nio.fs.UnixException} is internal, and
 * {@code write()} throws a plain {@link IOException}); JNA's {@code Native.getLastError()} only sees
 * the errno of JNA's own calls, not the JDK's. What is robust and locale-proof is to ask the same
 * C library, in the same process and locale, for the text of each errno that matters, and compare
 * the error's text with those: the same function made both, so they are equal whatever the
 * language ({@code user.language} changes only Java's own messages, never these). Should the C
 * library not be reachable (no JNA), the C locale's texts are used, and a full disk is still
 * recognised by asking the file system for its free space (statvfs through {@link FileStore}).
 * Cold path: only called after an error.
 */
final class IoErrors {
    private static final int EMFILE = 24;
    private static final int ENFILE = 23;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    /** A file system with less than this free is full for a writer whose buffers are larger. */
    private static final long FULL_BELOW_BYTES = 64 << 10;

    private IoErrors() {
    }

    /** The texts of the errnos this class recognises, in the process's locale; computed once. */
    private static final class Texts {
        static final String[] DISK_FULL = {text(ENOSPC, "No space left on device"), text(EDQUOT, "Disk quota exceeded"),
            "No space left on device", "Disk quota exceeded"};
        static final String[] NO_DESCRIPTORS = {text(EMFILE, "Too many open files"),
            text(ENFILE, "Too many open files in system"), "Too many open files", "Too many open files in system"};

        private static String text(int errno, String cLocale) {
            try {
                String s = Native.load("c", LibC.class).strerror(errno);
                return s == null || s.isEmpty() ? cLocale : s;
            } catch (LinkageError | RuntimeException e) {
                return cLocale;
            }
        }
    }

    private interface LibC extends Library {
        String strerror(int errnum);
    }

    /** The reason a packet lost to {@code e} is counted under; {@code dir} is where the store writes. */
    static DropReason reasonOf(IOException e, Path dir) {
        if (is(e, Texts.DISK_FULL)) {
            return DropReason.DISK_FULL;
        }
        if (e instanceof FileSystemException && !isGeneric((FileSystemException) e)) {
            return DropReason.WRITE_ERROR; // AccessDenied, NoSuchFile, FileAlreadyExists...: never a full disk
        }
        return isFull(dir) ? DropReason.DISK_FULL : DropReason.WRITE_ERROR;
    }

    /** True when the process (or the system) has no file descriptor left (EMFILE, ENFILE). */
    static boolean outOfDescriptors(IOException e) {
        return is(e, Texts.NO_DESCRIPTORS);
    }

    /** The error's text for a log line (the errno's text, in the locale of the process). */
    static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Whether the errno's text of {@code e} (a FileSystemException's reason, else the message) is one of {@code texts}. */
    private static boolean is(IOException e, String[] texts) {
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason == null) {
            return false;
        }
        for (String t : texts) {
            if (reason.contains(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGeneric(FileSystemException e) {
        return e.getClass() == FileSystemException.class;
    }

    /** The file system's free bytes (statvfs f_bfree x f_frsize), or -1 when unknown. */
    static long unallocatedBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getUnallocatedSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Asks the file system (statvfs) whether it is full: the second opinion when the text is not known. */
    static boolean isFull(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            // Root writes into the reserved blocks: full for it only when no block is free at all.
            return store.getUsableSpace() < FULL_BELOW_BYTES && store.getUnallocatedSpace() < FULL_BELOW_BYTES;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
