package com.secureot.pcap.store;

import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.metrics.CaptureMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Repairs, before a store writes into a folder, the files a previous process may have left
 * damaged when it died (kill -9, power cut, OOM killer): a file cut inside a record is cut back to
 * its last whole record; a file without a whole pcap global header (never from this version, which
 * writes the header when it creates a file, but from older ones or another writer) holds no packet:
 * an empty one is removed, anything else is moved aside as {@code <name>.damaged}. One WARN line per
 * repaired file and the {@code files_repaired} counter say what was done.
 *
 * <p>Only the files written shortly before the newest one are read through: a process dies while
 * it writes, so a torn file is among the last written (its modification time is the moment of the
 * crash); files finished earlier end on a whole record, as every write hands whole records to
 * the kernel. A folder of months of captures thus costs a listing, not a read of every file.
 *
 * <p>Several daemons may share a folder (two span-pcap instances with their own prefixes, a
 * collector next to a sensor): a file another live process writes is locked by it
 * ({@link WriterLocks}) and left alone, whatever its tail looks like at that instant; only files
 * no live process holds are repaired, under their lock. An empty file is looked at twice,
 * {@link #EMPTY_SETTLE_MILLIS} apart, before it is removed: a writer creates a file, then locks
 * it and writes its header, and in between the file is empty and not yet locked (the second look
 * finds it locked or with its header).
 */
final class TornFileRepair {
    private static final Logger log = LoggerFactory.getLogger(TornFileRepair.class);
    /** Files modified this long before the newest one are read through (a crash tears only what it was writing). */
    static final long RECENT_MILLIS = 10 * 60_000L;
    /** A record claiming more is damage, not a packet (as {@code CaptureFileReader} reads it). */
    private static final long MAX_RECORD = 16 << 20;
    private static final int CHUNK = 1 << 20;
    /** Between the two looks at an empty file (a rare case: a crash between creating and writing it). */
    static final long EMPTY_SETTLE_MILLIS = 500L;

    private TornFileRepair() {
    }

    /** Checks the store's files in {@code dir}; returns how many it repaired. */
    static int repair(Path dir, CaptureMetrics metrics) {
        record Candidate(Path path, long size, long mtime) {
        }
        List<Candidate> files = new ArrayList<>();
        long newest = Long.MIN_VALUE;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir,
                p -> RetentionSweeper.OUR_FILES.matcher(p.getFileName().toString()).matches())) {
            for (Path p : stream) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        long mtime = a.lastModifiedTime().toMillis();
                        files.add(new Candidate(p, a.size(), mtime));
                        newest = Math.max(newest, mtime);
                    }
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            return 0; // unreadable (or not there yet): writing will say why
        }
        int repaired = 0;
        for (Candidate c : files) {
            if (c.size() >= PcapFormat.GLOBAL_HEADER_BYTES && c.mtime() < newest - RECENT_MILLIS) {
                continue;
            }
            if (WriterLocks.heldHere(c.path())) {
                continue; // this process writes it (testing it here would release this process's lock)
            }
            try {
                if (repairOne(c.path())) {
                    repaired++;
                }
            } catch (IOException e) {
                log.warn("cannot check {} for damage left by an earlier run: {}", c.path(), IoErrors.describe(e));
            }
        }
        if (repaired > 0) {
            metrics.filesRepaired.addAndGet(repaired);
        }
        return repaired;
    }

    /**
     * Repairs one file if it needs it and no live process holds it; true when it did. Its size is
     * read under the lock: the file may have grown since the listing (a writer that finished).
     */
    static boolean repairOne(Path p) throws IOException {
        Outcome o = look(p, false);
        if (o == Outcome.EMPTY) {
            try {
                Thread.sleep(EMPTY_SETTLE_MILLIS); // without the lock: a creator waiting for it goes on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            o = look(p, true);
        }
        return o == Outcome.REPAIRED;
    }

    private enum Outcome { REPAIRED, WHOLE, IN_USE, EMPTY }

    private static Outcome look(Path p, boolean removeEmpty) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException gone) {
            return Outcome.WHOLE;
        }
        try (ch) {
            if (WriterLocks.tryFree(ch, p) == null) {
                log.info("not checking {} for damage: another live process writes it (it holds its lock)", p);
                return Outcome.IN_USE;
            }
            long size = ch.size();
            if (size == 0) {
                if (!removeEmpty) {
                    return Outcome.EMPTY;
                }
                Files.deleteIfExists(p);
                log.warn("repaired {}: removed an empty file left by an earlier run (no pcap header, no packet)", p);
                return Outcome.REPAIRED;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(size, PcapFormat.GLOBAL_HEADER_BYTES)));
            ByteOrder order = headerOrder(ch, buf);
            if (order == null) {
                Path aside = p.resolveSibling(p.getFileName() + ".damaged");
                Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
                log.warn("repaired {}: no pcap global header in its {} bytes; moved aside to {}", p, size,
                        aside.getFileName());
                return Outcome.REPAIRED;
            }
            long whole = lastWholeRecord(ch, buf.order(order), size);
            if (whole == size) {
                return Outcome.WHOLE;
            }
            ch.truncate(whole);
            log.warn("repaired {}: cut back from {} to {} bytes, the end of its last whole record (the earlier run "
                    + "stopped while writing it)", p, size, whole);
            return Outcome.REPAIRED;
        }
    }

    /** The byte order of the file's global header, or null when it has none. */
    private static ByteOrder headerOrder(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.clear().limit(PcapFormat.GLOBAL_HEADER_BYTES);
        readFully(ch, buf, 0);
        if (buf.position() < PcapFormat.GLOBAL_HEADER_BYTES) {
            return null;
        }
        int magic = buf.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic == PcapFormat.MAGIC_MICRO || magic == PcapFormat.MAGIC_NANO) {
            return ByteOrder.BIG_ENDIAN;
        }
        int swapped = Integer.reverseBytes(magic);
        return swapped == PcapFormat.MAGIC_MICRO || swapped == PcapFormat.MAGIC_NANO ? ByteOrder.LITTLE_ENDIAN : null;
    }

    /** Where the last whole record ends: {@code size} when the file is whole. */
    private static long lastWholeRecord(FileChannel ch, ByteBuffer buf, long size) throws IOException {
        long at = PcapFormat.GLOBAL_HEADER_BYTES;
        long chunkStart = 0;
        int chunkLength = 0;
        while (at < size) {
            if (size - at < PcapFormat.RECORD_HEADER_BYTES) {
                return at;
            }
            if (at < chunkStart || at + PcapFormat.RECORD_HEADER_BYTES > chunkStart + chunkLength) {
                buf.clear();
                readFully(ch, buf, at);
                chunkStart = at;
                chunkLength = buf.position();
                if (chunkLength < PcapFormat.RECORD_HEADER_BYTES) {
                    return at;
                }
            }
            long capLen = buf.getInt((int) (at - chunkStart) + 8) & 0xFFFFFFFFL;
            long end = at + PcapFormat.RECORD_HEADER_BYTES + capLen;
            if (capLen > MAX_RECORD || end > size) {
                return at;
            }
            at = end;
        }
        return at;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                return;
            }
            at += n;
        }
    }
}
