package com.secureot.pcap.store;

import com.secureot.pcap.config.RetentionConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Deletes the oldest closed capture files of the output folder when it holds more than the
 * configured size, and any closed file older than the configured age. Only files named as this
 * project names them are considered; a file being written is never deleted: the set of open
 * files (shared by every partition, which adds a file to it before opening it) is checked again
 * under its lock at the moment of deleting.
 */
final class RetentionSweeper {
    private static final Logger log = LoggerFactory.getLogger(RetentionSweeper.class);
    static final Pattern OUR_FILES = Pattern.compile(".+_\\d{8}_\\d{2}(-\\d+)?\\.pcap");

    private final Path dir;
    private final RetentionConfig config;
    private final CaptureMetrics metrics;
    private final Set<Path> openPaths;
    private final java.util.function.Consumer<String> onDelete;
    private long nextSweepMillis;

    /** @param openPaths a synchronized set ({@link java.util.Collections#synchronizedSet}): its lock is held while deleting */
    RetentionSweeper(Path dir, RetentionConfig config, CaptureMetrics metrics, Set<Path> openPaths,
                     java.util.function.Consumer<String> onDelete) {
        this.onDelete = onDelete;
        this.dir = dir;
        this.config = config;
        this.metrics = metrics;
        this.openPaths = openPaths;
    }

    void maybeSweep(long nowMillis) {
        if (nowMillis < nextSweepMillis) {
            return;
        }
        nextSweepMillis = nowMillis + config.checkIntervalSeconds() * 1000L;
        sweep(nowMillis);
    }

    private record Entry(Path path, long mtime, long size) {
    }

    void sweep(long nowMillis) {
        List<Entry> closed = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (!OUR_FILES.matcher(p.getFileName().toString()).matches()) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (!a.isRegularFile()) {
                        continue;
                    }
                    total += a.size();
                    if (!openPaths.contains(p)) {
                        closed.add(new Entry(p, a.lastModifiedTime().toMillis(), a.size()));
                    }
                } catch (NoSuchFileException gone) {
                    // deleted meanwhile
                }
            }
        } catch (IOException e) {
            log.warn("retention: cannot list {}: {}", dir, e.getMessage());
            return;
        }
        closed.sort(Comparator.comparingLong(Entry::mtime));
        int deleted = 0;
        long freed = 0;
        for (Entry e : closed) {
            boolean tooOld = config.maxAgeSeconds() > 0 && nowMillis - e.mtime() > config.maxAgeSeconds() * 1000;
            boolean tooBig = config.maxTotalBytes() > 0 && total > config.maxTotalBytes();
            if (!tooOld && !tooBig) {
                continue;
            }
            try {
                // Checked again at the moment of deleting, under the lock of the open set: the file
                // may have been reopened since the listing (a late packet of its hour, another
                // partition), and a store marks a file open there before it opens it.
                // A file another live process writes (a daemon sharing the folder) holds its lock.
                synchronized (openPaths) {
                    if (openPaths.contains(e.path()) || !WriterLocks.deleteIfFree(e.path())) {
                        continue;
                    }
                }
                onDelete.accept(e.path().getFileName().toString());
                total -= e.size();
                freed += e.size();
                deleted++;
            } catch (IOException ex) {
                log.warn("retention: cannot delete {}: {}", e.path(), ex.getMessage());
            }
        }
        if (deleted > 0) {
            metrics.filesDeleted.addAndGet(deleted);
            log.info("retention: deleted {} files ({} bytes); the folder now holds {} bytes", deleted, freed, total);
        }
    }
}
