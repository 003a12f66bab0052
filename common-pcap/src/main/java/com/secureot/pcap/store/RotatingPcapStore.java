package com.secureot.pcap.store;

import com.secureot.pcap.config.RetentionConfig;
import com.secureot.pcap.config.RotationConfig;
import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.metrics.CaptureMetrics;
import com.secureot.pcap.metrics.DropReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stores packets in {@code <prefix>_<YYYYmmdd>_<HH>[-<n>].pcap} files: one set per resolved
 * prefix, one file per hour of the packet timestamp, further parts on size limit or restart. An
 * existing file is never truncated: files are created with CREATE_NEW, and only a file this
 * process wrote and closed itself, unchanged since, is appended to again.
 *
 * <p>The number of open files is bounded (least recently written closed first, found by a scan when
 * the bound is reached: keeping a recency list in order touched two other files' objects a packet),
 * buffers are flushed on a period (see {@link StoreTiming}: not in a replay at full speed), files
 * whose hour has ended are closed once no packet of that hour came for a minute (a replay: once
 * packet time is past the hour), and write errors drop and count packets, logged once per episode
 * and at most once a minute. One thread owns a store: all calls come from it.
 */
public final class RotatingPcapStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RotatingPcapStore.class);
    // Per-file write buffers shrink as more files are open, so memory stays bounded with one
    // file per source IP while the few busy files of a plant still write in large chunks. Each
    // write(2) costs an inode time update besides the copy: a 10 000-host replay ran 8 % faster
    // with 16 KiB than with 8 KiB beyond the first 256 files, 13 % than with 4 KiB, and 8 %
    // faster than with the 16 KiB tier ending at 4 096 files (measured). Memory: 256 x 64 KiB +
    // 7 936 x 16 KiB = 140 MiB per writer thread at most, then 4 KiB a file.
    private static final int[] BUFFER_TIERS = {64 << 10, 16 << 10, 4 << 10};
    private static final int[] TIER_OPEN_FILES = {256, 8192, Integer.MAX_VALUE};
    /** File descriptors left for sockets, jars and libraries when sizing max_open_files. */
    private static final int RESERVED_DESCRIPTORS = 512;
    /** Live, a file whose hour ended is kept open this long for packets that arrive late. */
    private static final long HOUR_GRACE_SECONDS = 60;
    /**
     * A replay reads packets in the order they were captured, so its hours end as soon as packet
     * time passes them (a late packet appends to the closed file again), and {@link #write} closes
     * them then, not on the next wall-clock second: that kept a replay of 10 000 hosts holding two
     * hours of files open, past the descriptor budget, where every new file waited for an old one.
     */
    private static final long REPLAY_GRACE_SECONDS = 5;
    private static final int MAX_PARTS = 100_000;
    private static final long OPEN_RETRY_MILLIS = 1000;
    private static final int MAX_SERIES = 100_000;
    /** A file closed early stays known for appending this long (and at most MAX_REOPENABLE per series). */
    private static final long REOPEN_WINDOW_MILLIS = 3_600_000;
    private static final int MAX_REOPENABLE = 16;
    private static final long FAILURE_LOG_INTERVAL_MILLIS = 60_000;


    private final Path dir;
    private final RotationConfig rotation;
    private final CaptureMetrics metrics;
    private final Clock clock;
    private final StoreTiming timing;
    private final HourClock hours;
    private final RetentionSweeper retention;
    private final Map<String, OutputSeries> series = new HashMap<>();
    private final OutputSeries notOwned = new OutputSeries("(another writer's)", false);
    private final WriteBuffers[] buffers = new WriteBuffers[BUFFER_TIERS.length];
    private int maxOpenFiles;
    private boolean warnedDescriptors;
    private final StorePartition partition;
    private final Set<Path> openPaths;
    private final FileOpener opener;
    /** The open files, oldest opened first (not in order of writing: see {@link #closeLeastRecentlyWritten}). */
    private OpenFile newest;
    private OpenFile oldest;
    private int openCount;
    /** Counts stored packets; each file keeps the count of its last one, which orders files by recency. */
    private long writeSequence;
    private long latestPacketSecond = Long.MIN_VALUE;
    /** Replay: the packet time at which {@link #write} next closes the files of ended hours. */
    private long nextHourEndSecond = Long.MIN_VALUE;
    /** The wall clock as of the last {@link #tick()}: precise enough for idle times, free per packet. */
    private long nowMillis;
    private long nextFlushMillis;
    private long nextMaintenanceMillis;
    private int generation;
    private boolean closed;

    // Write failures: an ERROR line per episode (at most one a minute), not one per packet.
    private String failure;
    private boolean failureLogged;
    private long lastErrorLogMillis;
    private long droppedDuringFailure;

    public RotatingPcapStore(Path dir, RotationConfig rotation, RetentionConfig retention, CaptureMetrics metrics,
                             Clock clock, StoreTiming timing) {
        this(dir, rotation, retention, metrics, clock, timing, StorePartition.single());
    }

    /** A store owning the prefixes of {@code partition} (see {@link OutputSeries#owned()}). */
    public RotatingPcapStore(Path dir, RotationConfig rotation, RetentionConfig retention, CaptureMetrics metrics,
                             Clock clock, StoreTiming timing, StorePartition partition) {
        this.partition = partition;
        for (int i = 0; i < BUFFER_TIERS.length; i++) {
            buffers[i] = new WriteBuffers(BUFFER_TIERS[i]);
        }
        this.openPaths = partition.openPaths();
        this.opener = partition.opener();
        this.dir = dir;
        this.rotation = rotation;
        this.metrics = metrics;
        this.clock = clock;
        this.timing = timing;
        this.hours = new HourClock(rotation.zone());
        this.retention = retention.enabled() && partition.index() == 0 ? new RetentionSweeper(dir, retention, metrics, openPaths,
                name -> partition.names(dir).remove(name)) : null;
        int descriptors = DescriptorLimit.current();
        int budget = Math.min(rotation.maxOpenFiles(), descriptors - RESERVED_DESCRIPTORS);
        this.maxOpenFiles = Math.max(4, budget / partition.count());
        if (budget < rotation.maxOpenFiles() && partition.index() == 0) {
            log.info("rotation.max_open_files {} lowered to {}: the process may open {} files (raise LimitNOFILE)",
                    rotation.maxOpenFiles(), budget, descriptors);
        }
        long now = clock.millis();
        nowMillis = now;
        nextFlushMillis = now + rotation.flushIntervalMillis();
        nextMaintenanceMillis = now + 1000;
    }

    /**
     * The series of a resolved prefix; callers may keep it (see {@link #generation()}). Every
     * prefix of another partition gets the same series, which the writer skips: with one file per
     * address, the series objects of other partitions would each be one more cache miss a packet.
     */
    public OutputSeries series(String prefix) {
        if (!partition.owns(prefix)) {
            return notOwned;
        }
        OutputSeries s = series.get(prefix);
        if (s == null) {
            if (series.size() >= MAX_SERIES) {
                series.values().removeIf(OutputSeries::isEmpty);
                generation++;
            }
            s = new OutputSeries(prefix, true);
            series.put(prefix, s);
        }
        return s;
    }

    /** Changes when series kept by callers may have been forgotten; they must ask again. */
    public int generation() {
        return generation;
    }

    /** Stores one packet; never throws for I/O, which is counted as a drop instead. */
    public void write(OutputSeries s, int linkType, boolean nano, int snaplen, long sec, int nanos,
                      byte[] data, int off, int capLen, int origLen) {
        write(s, linkType, nano, snaplen, sec, nanos, data, off, capLen, origLen, null, 0);
    }

    /**
     * Stores one packet of an acknowledged stream ({@code tracker} non-null) or of another source
     * (null); the tracker learns of the first record of each interval in each file.
     */
    public void write(OutputSeries s, int linkType, boolean nano, int snaplen, long sec, int nanos,
                      byte[] data, int off, int capLen, int origLen, AppendTracker tracker, long interval) {
        if (sec > latestPacketSecond) {
            latestPacketSecond = sec;
            if (!timing.live() && sec >= nextHourEndSecond) {
                closeEndedAndIdle(nowMillis);
                nextHourEndSecond = hours.hourEnd(hours.hourStart(sec)) + REPLAY_GRACE_SECONDS;
            }
        }
        OpenFile f = s.current;
        if (f == null || !f.holds(sec, linkType, nano)) {
            f = select(s, linkType, nano, snaplen, sec);
            if (f == null) {
                return;
            }
        }
        long max = rotation.maxFileBytes();
        if (max > 0 && f.size() + PcapFormat.RECORD_HEADER_BYTES + capLen > max
                && f.size() > PcapFormat.GLOBAL_HEADER_BYTES) {
            f.sealed = true;
            closeFile(f);
            f = select(s, linkType, nano, snaplen, sec);
            if (f == null) {
                return;
            }
        }
        if (f.trackedBy != tracker || f.trackedInterval != interval) {
            track(f, tracker, interval);
        }
        try {
            f.append(sec, nanos, data, off, capLen, origLen);
        } catch (IOException e) {
            writeFailed(f, e, 1);
            return;
        }
        f.lastWriteMillis = nowMillis;
        f.lastWriteSequence = ++writeSequence;
    }

    /** A change of source in a file: off the hot path, once per file and interval. */
    private static void track(OpenFile f, AppendTracker tracker, long interval) {
        if (f.trackedBy != null && f.trackedBy != tracker) {
            f.trackedBy.shared(f.path, f.trackedInterval);
        }
        if (tracker != null) {
            tracker.firstAppend(f.path, f.size(), interval);
        }
        f.trackedBy = tracker;
        f.trackedInterval = interval;
    }

    /**
     * Forces every open file's written bytes to disk (collector {@code durability: fsync}); false
     * when one could not be forced.
     */
    public boolean forceAll() {
        boolean ok = true;
        for (OpenFile f = oldest; f != null; f = f.newer) {
            try {
                f.channel.get().force(false);
            } catch (IOException e) {
                ok = false;
                fail("cannot force " + f.path + " to disk: " + describe(e));
            }
        }
        return ok;
    }

    /**
     * The file of a packet its series' current file does not hold: another open one, a file closed
     * early appended to again, or a new one. The launcher keeps this method out of line and it and
     * the other per-file methods (create, reopen, attach, created, closeFile, closeEndedAndIdle)
     * in C1 (CompileCommand, see packaging/src/bin/secureot-launcher): a rename must follow there.
     */
    private OpenFile select(OutputSeries s, int linkType, boolean nano, int snaplen, long sec) {
        for (OpenFile o : s.open) {
            if (!o.sealed && o.holds(sec, linkType, nano)) {
                s.current = o;
                return o;
            }
        }
        long now = clock.millis();
        if (now < s.retryAfterMillis) {
            drop(DropReason.WRITE_ERROR, 1);
            return null;
        }
        OpenFile f = reopen(s, sec, linkType, nano);
        if (f == null) {
            f = create(s, sec, linkType, nano, snaplen, now);
        }
        if (f != null) {
            s.current = f;
        }
        return f;
    }

    /** Appends again to a file this process wrote and closed, if nobody changed it since. */
    private OpenFile reopen(OutputSeries s, long sec, int linkType, boolean nano) {
        for (int i = 0; i < s.reopenable.size(); i++) {
            ClosedFile c = s.reopenable.get(i);
            if (!c.holds(sec, linkType, nano)) {
                continue;
            }
            s.reopenable.remove(i);
            try {
                if (Files.size(c.path()) != c.size()) {
                    return null; // changed by someone else: start a new part
                }
                makeRoom();
                FileOpener.PendingChannel ch = new FileOpener.PendingChannel(
                        openChannel(c.path(), StandardOpenOption.WRITE, StandardOpenOption.APPEND));
                return attach(s, c.path(), c.hourStart(), c.hourEnd(), linkType, nano, c.snaplen(), ch, c.size());
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private OpenFile create(OutputSeries s, long sec, int linkType, boolean nano, int snaplen, long now) {
        long start = hours.hourStart(sec);
        long end = hours.hourEnd(start);
        String base = s.prefix + "_" + hours.label(start);
        makeRoom();
        IOException last = null;
        for (int part = 0; part < MAX_PARTS; part++) {
            String name = part == 0 ? base + ".pcap" : base + "-" + part + ".pcap";
            if (existingNames().contains(name)) {
                continue; // in the folder, or open in some partition (its name was added on creation)
            }
            Path p = dir.resolve(name);
            if (openCount >= maxOpenFiles - 64) {
                // Near the descriptor limit: open here, where running out can be handled.
                try {
                    FileChannel ch = openChannel(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                    return created(s, p, name, start, end, linkType, nano, snaplen, new FileOpener.PendingChannel(ch));
                } catch (FileAlreadyExistsException e) {
                    continue; // created by someone else in between: try the next part
                } catch (IOException e) {
                    last = e;
                    break;
                }
            }
            // A name nobody holds: open it in the background (if another process takes it in the
            // meantime, the first write fails and its packets are counted as write errors).
            return created(s, p, name, start, end, linkType, nano, snaplen, opener.create(p));
        }
        s.retryAfterMillis = now + OPEN_RETRY_MILLIS;
        IOException why = last != null ? last : new IOException("more than " + MAX_PARTS + " parts of " + base);
        fail("cannot create a file for " + base + " in " + dir + ": " + describe(why));
        drop(reasonOf(why), 1);
        return null;
    }

    private OpenFile created(OutputSeries s, Path p, String name, long start, long end, int linkType, boolean nano,
                             int snaplen, FileOpener.PendingChannel channel) {
        existingNames().add(name);
        OpenFile f = attach(s, p, start, end, linkType, nano, snaplen, channel, 0);
        metrics.filesCreated.incrementAndGet();
        log.debug("opened {}", p);
        return f;
    }

    private Set<String> existingNames() {
        return partition.names(dir);
    }

    /**
     * Opens a file; when the process is out of descriptors, closes the least recently written
     * quarter of the open files, lowers the limit to what fits, and tries once more.
     */
    private FileChannel openChannel(Path p, StandardOpenOption... options) throws IOException {
        try {
            return FileChannel.open(p, options);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("Too many open files") || openCount < 8) {
                throw e;
            }
            int keep = openCount * 3 / 4;
            closeLeastRecentlyWritten(openCount - keep);
            maxOpenFiles = Math.max(4, keep);
            if (!warnedDescriptors) {
                warnedDescriptors = true;
                log.warn("out of file descriptors with {} files open: keeping at most {} open (raise LimitNOFILE "
                        + "or lower rotation.max_open_files)", keep * 4 / 3, maxOpenFiles);
            }
            return FileChannel.open(p, options);
        }
    }

    /** Makes an opened file current for writing: a buffer region, the list of open files, the counters. */
    private OpenFile attach(OutputSeries s, Path p, long start, long end, int linkType, boolean nano, int snaplen,
                            FileOpener.PendingChannel channel, long existing) {
        int tier = 0;
        while (openCount >= TIER_OPEN_FILES[tier]) {
            tier++;
        }
        OpenFile f = new OpenFile(s, p, start, end, linkType, nano, snaplen, channel, buffers[tier], tier,
                buffers[tier].take(), existing);
        f.lastWriteMillis = clock.millis();
        f.lastWriteSequence = writeSequence; // as recent as the last packet: not the first to close
        f.series.open.add(f);
        openPaths.add(f.path);
        openCount++;
        metrics.filesOpen.incrementAndGet();
        linkNewest(f);
        return f;
    }

    private void makeRoom() {
        if (openCount >= maxOpenFiles) {
            // A sixteenth more than needed: one scan of the open files makes room for many new ones.
            closeLeastRecentlyWritten(openCount - maxOpenFiles + 1 + maxOpenFiles / 16);
        }
    }

    /** Closes the {@code n} least recently written open files, found with one scan and a sort. */
    private void closeLeastRecentlyWritten(int n) {
        if (n <= 0 || openCount == 0) {
            return;
        }
        long[] sequences = new long[openCount];
        int i = 0;
        for (OpenFile f = oldest; f != null; f = f.newer) {
            sequences[i++] = f.lastWriteSequence;
        }
        Arrays.sort(sequences);
        long newestClosed = sequences[Math.min(n, openCount) - 1];
        List<OpenFile> toClose = new ArrayList<>(n);
        for (OpenFile f = oldest; f != null && toClose.size() < n; f = f.newer) {
            if (f.lastWriteSequence <= newestClosed) {
                toClose.add(f);
            }
        }
        toClose.forEach(this::closeFile);
    }

    /** Flushes on the flush period (see {@link StoreTiming}); closes ended and idle files; runs retention. Call often. */
    public void tick() {
        long now = clock.millis();
        nowMillis = now;
        if (timing.flushesPeriodically() && now >= nextFlushMillis) {
            flushAll();
            nextFlushMillis = now + rotation.flushIntervalMillis();
        }
        if (now >= nextMaintenanceMillis) {
            closeEndedAndIdle(now);
            if (retention != null) {
                retention.maybeSweep(now);
            }
            nextMaintenanceMillis = now + 1000;
        }
    }

    private void closeEndedAndIdle(long now) {
        // Live, the wall clock ends an hour even when no packet comes; a replay only has packet time.
        boolean live = timing.live();
        long clockSecond = live ? Math.max(latestPacketSecond, now / 1000) : latestPacketSecond;
        long grace = live ? HOUR_GRACE_SECONDS : REPLAY_GRACE_SECONDS;
        long idleMillis = rotation.idleCloseSeconds() * 1000L;
        List<OpenFile> toClose = new ArrayList<>();
        for (OpenFile f = oldest; f != null; f = f.newer) {
            boolean ended = f.hourEnd + grace <= clockSecond;
            // A past hour's file still being written (a sensor whose clock is behind, a paced
            // replay of old traffic) stays open: closing it would only start part after part.
            boolean quiet = !live || now - f.lastWriteMillis >= HOUR_GRACE_SECONDS * 1000;
            if ((ended && quiet) || now - f.lastWriteMillis >= idleMillis) {
                toClose.add(f);
            }
        }
        toClose.forEach(this::closeFile);
        for (OutputSeries s : series.values()) {
            if (!s.reopenable.isEmpty()) {
                s.reopenable.removeIf(c -> now - c.closedAtMillis() >= REOPEN_WINDOW_MILLIS);
            }
        }
    }

    public void flushAll() {
        for (OpenFile f = oldest; f != null; f = f.newer) {
            flush(f);
        }
    }

    private void flush(OpenFile f) {
        try {
            f.flush();
            int n = countFlushed(f);
            // Only records that reached a file end an episode: flushing an empty buffer proves nothing.
            if (failure != null && n > 0) {
                failure = null;
                if (failureLogged) {
                    log.info("writing works again ({}); {} packets were dropped while it failed", f.path,
                            droppedDuringFailure);
                    failureLogged = false;
                    droppedDuringFailure = 0;
                }
            }
        } catch (IOException e) {
            writeFailed(f, e, 0);
        }
    }

    private int countFlushed(OpenFile f) {
        int n = f.takeFlushedRecords();
        if (n > 0) {
            metrics.written.addAndGet(n);
            metrics.writtenBytes.addAndGet(f.takeFlushedDataBytes());
        }
        return n;
    }

    /** Drops what {@code f} buffered (plus {@code extra} packets not yet in it) and cuts back to the last whole record. */
    private void writeFailed(OpenFile f, IOException e, int extra) {
        countFlushed(f);
        int lost = f.discardBuffered() + extra;
        long good = f.recordBoundary();
        try {
            FileChannel ch = f.channel.get();
            if (ch.size() > good) {
                ch.truncate(good);
            }
            f.resetDurable(good);
        } catch (IOException t) {
            f.sealed = true; // cannot repair now: never append to it again
        }
        fail("cannot write " + f.path + ": " + describe(e));
        drop(reasonOf(e), lost);
    }

    private void fail(String message) {
        if (failure != null) {
            return;
        }
        failure = message;
        // A full disk flaps: cutting a failed file back frees a little space, the next write
        // fits, the one after fails. One ERROR line per minute at most; the counters say the rest.
        if (nowMillis - lastErrorLogMillis >= FAILURE_LOG_INTERVAL_MILLIS || lastErrorLogMillis == 0) {
            log.error("{}; packets are dropped and counted until writing works again", message);
            lastErrorLogMillis = Math.max(1, nowMillis);
            failureLogged = true;
        }
    }

    private void drop(DropReason reason, long n) {
        if (n > 0) {
            metrics.drop(reason, n);
            droppedDuringFailure += n;
        }
    }

    private static DropReason reasonOf(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota exceeded") ? DropReason.DISK_FULL
                : DropReason.WRITE_ERROR;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private void closeFile(OpenFile f) {
        if (f.closed) {
            return;
        }
        flush(f);
        // Records that could not be flushed were counted as dropped by flush().
        f.discardBuffered();
        // What this process wrote is the size: a failed write cut the file back to it.
        long size = f.durableBytes();
        try {
            f.channel.get(); // throws if the file never opened: then it is not ours to delete
            f.channel.close();
            if (size == 0) {
                // Created by this process and never written (the disk was full): not a pcap file.
                f.sealed = true;
                Files.deleteIfExists(f.path);
                existingNames().remove(f.path.getFileName().toString()); // free for the next file
            }
        } catch (IOException e) {
            f.sealed = true;
            if (!f.channel.failedToOpen()) {
                log.warn("closing {}: {}", f.path, describe(e));
            }
        }
        f.closed = true; // its buffer region goes to the next file
        buffers[f.bufferTier].give(f.bufferRegion);
        unlink(f);
        openCount--;
        metrics.filesOpen.decrementAndGet();
        openPaths.remove(f.path);
        OutputSeries s = f.series;
        s.open.remove(f);
        if (s.current == f) {
            s.current = null;
        }
        if (!f.sealed) {
            if (s.reopenable.size() >= MAX_REOPENABLE) {
                s.reopenable.remove(0);
            }
            s.reopenable.add(new ClosedFile(f.path, f.hourStart, f.hourEnd, f.linkType(), f.nano(), f.snaplen(), size,
                    nowMillis));
        }
    }

    private void linkNewest(OpenFile f) {
        f.older = newest;
        f.newer = null;
        if (newest != null) {
            newest.newer = f;
        }
        newest = f;
        if (oldest == null) {
            oldest = f;
        }
    }

    private void unlink(OpenFile f) {
        if (f.older != null) {
            f.older.newer = f.newer;
        } else if (oldest == f) {
            oldest = f.newer;
        }
        if (f.newer != null) {
            f.newer.older = f.older;
        } else if (newest == f) {
            newest = f.older;
        }
        f.newer = null;
        f.older = null;
    }

    public int openFiles() {
        return openCount;
    }

    /** Flushes and closes every file. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (oldest != null) {
            OpenFile f = oldest;
            f.sealed = true;
            closeFile(f);
        }
        series.clear();
        for (WriteBuffers b : buffers) {
            b.release();
        }
        partition.release();
    }
}
