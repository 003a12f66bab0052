package com.secureot.pcap.store;

import com.secureot.pcap.config.RetentionConfig;
import com.secureot.pcap.config.RotationConfig;
import com.secureot.pcap.io.PcapFileWriter;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stores packets in {@code <prefix>_<YYYYmmdd>_<HH>[-<n>].pcap} files: one set per resolved
 * prefix, one file per hour of the packet timestamp, further parts on size limit or restart. An
 * existing file is never overwritten: files are created with CREATE_NEW (their global header
 * written at once), only a file this process wrote and closed itself, unchanged since, is
 * appended to again, and what an earlier run left torn is repaired before the first write (see
 * {@link TornFileRepair}). A file's header snaplen covers every record in it.
 *
 * <p>The store decides where each packet goes and opens and closes files; its collaborators each
 * own one thing: the open files and their buffers ({@link OpenFileTable}), when an hour's file
 * closes ({@link HourRules}), the failure episodes and their counting ({@link WriteFailures}).
 * Buffers are flushed on a period (see {@link StoreTiming}: not in a replay at full speed) and
 * always on record boundaries. One thread owns a store: all calls come from it.
 */
public final class RotatingPcapStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RotatingPcapStore.class);
    /** File descriptors left for sockets, jars and libraries when sizing max_open_files. */
    private static final int RESERVED_DESCRIPTORS = 512;
    private static final int MAX_PARTS = 100_000;
    private static final long OPEN_RETRY_MILLIS = 1000;
    private static final int MAX_SERIES = 100_000;
    /** A file closed early stays known for appending this long (and at most MAX_REOPENABLE per series). */
    private static final long REOPEN_WINDOW_MILLIS = 3_600_000;
    private static final int MAX_REOPENABLE = 16;

    private final Path dir;
    private final RotationConfig rotation;
    private final CaptureMetrics metrics;
    private final Clock clock;
    private final StoreTiming timing;
    private final HourClock hours;
    private final HourRules hourRules;
    private final RetentionSweeper retention;
    private final Map<String, OutputSeries> series = new HashMap<>();
    private final OutputSeries notOwned = new OutputSeries("(another writer's)", false);
    private final OpenFileTable files;
    private final WriteFailures failures;
    private boolean warnedDescriptors;
    private final StorePartition partition;
    private final FileOpener opener;
    private long latestPacketSecond = Long.MIN_VALUE;
    /** Replay: the packet time at which {@link #write} next closes the files of ended hours. */
    private long nextHourEndSecond = Long.MIN_VALUE;
    /** The wall clock as of the last {@link #tick()}: precise enough for idle times, free per packet. */
    private long nowMillis;
    private long nextFlushMillis;
    private long nextMaintenanceMillis;
    private int generation;
    private boolean closed;

    public RotatingPcapStore(Path dir, RotationConfig rotation, RetentionConfig retention, CaptureMetrics metrics,
                             Clock clock, StoreTiming timing) {
        this(dir, rotation, retention, metrics, clock, timing, StorePartition.single());
    }

    /** A store owning the prefixes of {@code partition} (see {@link OutputSeries#owned()}). */
    public RotatingPcapStore(Path dir, RotationConfig rotation, RetentionConfig retention, CaptureMetrics metrics,
                             Clock clock, StoreTiming timing, StorePartition partition) {
        this.partition = partition;
        this.opener = partition.opener();
        this.dir = dir;
        this.rotation = rotation;
        this.metrics = metrics;
        this.clock = clock;
        this.timing = timing;
        this.hours = new HourClock(rotation.zone());
        this.hourRules = new HourRules(hours, timing.live(), rotation.idleCloseSeconds());
        this.failures = new WriteFailures(dir, metrics);
        this.retention = retention.enabled() && partition.index() == 0 ? new RetentionSweeper(dir, retention, metrics,
                partition.openPaths(), name -> partition.names(dir).remove(name)) : null;
        partition.prepare(dir, metrics);
        int descriptors = DescriptorLimit.current();
        int budget = Math.min(rotation.maxOpenFiles(), descriptors - RESERVED_DESCRIPTORS);
        this.files = new OpenFileTable(partition.openPaths(), metrics, Math.max(4, budget / partition.count()));
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

    /**
     * The series of a route of this store's partition (see {@link Route#partition()}), kept in
     * the route: the common case costs two comparisons, not a map lookup.
     */
    public OutputSeries series(Route r) {
        OutputSeries s = r.series;
        if (s == null || r.generation != generation) {
            s = series(r.prefix);
            r.series = s;
            r.generation = generation;
        }
        return s;
    }

    /** This store's share of the prefixes. */
    public StorePartition partition() {
        return partition;
    }

    /** Changes when series kept by callers may have been forgotten; they must ask again. */
    public int generation() {
        return generation;
    }

    /** Stores one packet; never throws for I/O, which is counted as a drop instead. */
    public void write(OutputSeries s, int linkType, boolean nano, int snaplen, long sec, int fraction,
                      byte[] data, int off, int capLen, int origLen) {
        write(s, linkType, nano, snaplen, sec, fraction, data, off, capLen, origLen, null, 0);
    }

    /**
     * Stores one packet of an acknowledged stream ({@code tracker} non-null) or of another source
     * (null); the tracker learns of the first record of each interval in each file.
     */
    public void write(OutputSeries s, int linkType, boolean nano, int snaplen, long sec, int fraction,
                      byte[] data, int off, int capLen, int origLen, AppendTracker tracker, long interval) {
        if (sec > latestPacketSecond) {
            latestPacketSecond = sec;
            if (hourRules.replayClosesAt(sec, nextHourEndSecond)) {
                closeEndedAndIdle(nowMillis);
                nextHourEndSecond = hourRules.replayHourEnd(sec);
            }
        }
        OpenFile f = s.current;
        if (f == null || !f.holds(sec, linkType, nano, capLen)) {
            f = select(s, linkType, nano, snaplen, sec, capLen);
            if (f == null) {
                return;
            }
        }
        long max = rotation.maxFileBytes();
        if (max > 0 && f.size() + PcapFormat.RECORD_HEADER_BYTES + capLen > max
                && f.size() > PcapFormat.GLOBAL_HEADER_BYTES) {
            f.sealed = true;
            closeFile(f);
            f = select(s, linkType, nano, snaplen, sec, capLen);
            if (f == null) {
                return;
            }
        }
        if (f.trackedBy != tracker || f.trackedInterval != interval) {
            track(f, tracker, interval);
        }
        try {
            f.append(sec, fraction, data, off, capLen, origLen);
        } catch (IOException e) {
            writeFailed(f, e, 1);
            return;
        }
        f.lastWriteMillis = nowMillis;
        files.touched(f);
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
        for (OpenFile f = files.oldest(); f != null; f = f.newer) {
            try {
                f.channel.get().force(false);
            } catch (IOException e) {
                ok = false;
                log.warn("cannot force {} to disk: {}", f.path, IoErrors.describe(e));
            }
        }
        return ok;
    }

    /**
     * The file of a packet its series' current file does not hold: another open one, a file closed
     * early appended to again, or a new one. Kept out of {@link #write}, which calls it only when
     * the current file does not hold the packet.
     */
    private OpenFile select(OutputSeries s, int linkType, boolean nano, int snaplen, long sec, int capLen) {
        for (OpenFile o : s.open) {
            if (!o.sealed && o.holds(sec, linkType, nano, capLen)) {
                s.current = o;
                return o;
            }
        }
        long now = clock.millis();
        if (now < s.retryAfterMillis) {
            failures.drop(DropReason.WRITE_ERROR, 1);
            return null;
        }
        // A record larger than the snaplen its source declared (a sender's VLAN tags or FCS, a
        // file written carelessly) gets a file whose header covers it: readers such as tshark
        // take a record beyond the header's snaplen for damage and misread the rest of the file.
        int fileSnaplen = snaplen != 0 && capLen > snaplen ? capLen : snaplen;
        OpenFile f = reopen(s, sec, linkType, nano, capLen);
        if (f == null) {
            f = create(s, sec, linkType, nano, fileSnaplen, now);
        }
        if (f != null) {
            s.current = f;
        }
        return f;
    }

    /** Appends again to a file this process wrote and closed, if nobody changed it since. */
    private OpenFile reopen(OutputSeries s, long sec, int linkType, boolean nano, int capLen) {
        for (int i = 0; i < s.reopenable.size(); i++) {
            ClosedFile c = s.reopenable.get(i);
            if (!c.holds(sec, linkType, nano, capLen)) {
                continue;
            }
            s.reopenable.remove(i);
            makeRoom();
            // Marked open before it is opened: retention, which may be deleting it right now,
            // either sees it open or has deleted it already, and then the open fails.
            files.reserve(c.path());
            try {
                if (Files.size(c.path()) != c.size()) {
                    files.unreserve(c.path());
                    return null; // changed by someone else: start a new part
                }
                FileChannel opened = openChannel(c.path(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                // Another process may have taken the file over (a daemon sharing the folder), or
                // its retention deleted it after the size check: then a new part.
                if (!WriterLocks.tryLockExisting(opened, c.path()) || !Files.exists(c.path())
                        || opened.size() != c.size()) {
                    opened.close();
                    WriterLocks.released(c.path());
                    files.unreserve(c.path());
                    return null;
                }
                FileOpener.PendingChannel ch = new FileOpener.PendingChannel(opened);
                return attach(s, c.path(), c.hourStart(), c.hourEnd(), linkType, nano, c.snaplen(), ch, c.size());
            } catch (IOException e) {
                files.unreserve(c.path());
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
            files.reserve(p);
            if (files.count() >= files.max() - 64) {
                // Near the descriptor limit: open here, where running out can be handled.
                try {
                    FileChannel ch = FileOpener.withHeader(
                            openChannel(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), p,
                            PcapFileWriter.globalHeader(nano, linkType, snaplen));
                    return created(s, p, name, start, end, linkType, nano, snaplen, new FileOpener.PendingChannel(ch));
                } catch (FileAlreadyExistsException e) {
                    files.unreserve(p);
                    continue; // created by someone else in between: try the next part
                } catch (IOException e) {
                    files.unreserve(p);
                    last = e;
                    break;
                }
            }
            // A name nobody holds: open it in the background (if another process takes it in the
            // meantime, the first write fails and its packets are counted as write errors).
            return created(s, p, name, start, end, linkType, nano, snaplen,
                    opener.create(p, PcapFileWriter.globalHeader(nano, linkType, snaplen)));
        }
        s.retryAfterMillis = now + OPEN_RETRY_MILLIS;
        IOException why = last != null ? last : new IOException("more than " + MAX_PARTS + " parts of " + base);
        DropReason reason = failures.reasonOf(why);
        failures.fail("cannot create a file for " + base + " in " + dir + ": " + IoErrors.describe(why), reason,
                nowMillis);
        failures.drop(reason, 1);
        return null;
    }

    private OpenFile created(OutputSeries s, Path p, String name, long start, long end, int linkType, boolean nano,
                             int snaplen, FileOpener.PendingChannel channel) {
        existingNames().add(name);
        // The opener writes the global header: the writer starts after it.
        OpenFile f = attach(s, p, start, end, linkType, nano, snaplen, channel, PcapFormat.GLOBAL_HEADER_BYTES);
        f.created = true;
        metrics.filesCreated.incrementAndGet();
        log.debug("opened {}", p);
        return f;
    }

    private Set<String> existingNames() {
        return partition.names(dir);
    }

    /**
     * Opens a file; when the process is out of descriptors (EMFILE, ENFILE), closes the least
     * recently written quarter of the open files, lowers the limit to what fits, and tries once more.
     */
    private FileChannel openChannel(Path p, StandardOpenOption... options) throws IOException {
        try {
            return FileChannel.open(p, options);
        } catch (IOException e) {
            int open = files.count();
            if (!IoErrors.outOfDescriptors(e) || open < 8) {
                throw e;
            }
            int keep = open * 3 / 4;
            closeLeastRecentlyWritten(open - keep);
            files.lowerMax(Math.max(4, keep));
            if (!warnedDescriptors) {
                warnedDescriptors = true;
                log.warn("out of file descriptors with {} files open: keeping at most {} open (raise LimitNOFILE "
                        + "or lower rotation.max_open_files)", open, files.max());
            }
            return FileChannel.open(p, options);
        }
    }

    /** Makes an opened file (its path reserved) current for writing: a buffer region, the open-file table. */
    private OpenFile attach(OutputSeries s, Path p, long start, long end, int linkType, boolean nano, int snaplen,
                            FileOpener.PendingChannel channel, long existing) {
        int tier = files.nextTier();
        WriteBuffers b = files.buffers(tier);
        OpenFile f = new OpenFile(s, p, start, end, linkType, nano, snaplen, channel, b, tier, b.take(), existing);
        f.lastWriteMillis = clock.millis();
        f.series.open.add(f);
        files.add(f);
        return f;
    }

    private void makeRoom() {
        if (files.full()) {
            // A sixteenth more than needed: one scan of the open files makes room for many new ones.
            int max = files.max();
            closeLeastRecentlyWritten(files.count() - max + 1 + max / 16);
        }
    }

    private void closeLeastRecentlyWritten(int n) {
        files.leastRecentlyWritten(n).forEach(this::closeFile);
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
        long clockSecond = hourRules.clockSecond(now, latestPacketSecond);
        List<OpenFile> toClose = new ArrayList<>();
        for (OpenFile f = files.oldest(); f != null; f = f.newer) {
            if (hourRules.closes(f, now, clockSecond)) {
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
        for (OpenFile f = files.oldest(); f != null; f = f.newer) {
            flush(f);
        }
    }

    private void flush(OpenFile f) {
        try {
            long before = f.durableBytes();
            f.flush();
            // Only records that reached a file end an episode: flushing an empty buffer proves nothing.
            failures.wrote(f.path, countFlushed(f), f.durableBytes() - before);
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
        long cut = 0;
        try {
            FileChannel ch = f.channel.get();
            if (ch.size() > good) {
                cut = ch.size() - good;
                ch.truncate(good);
            }
            f.resetDurable(good);
        } catch (IOException t) {
            f.sealed = true; // cannot repair now: never append to it again
        }
        DropReason reason = failures.reasonOf(e);
        failures.fail("cannot write " + f.path + ": " + IoErrors.describe(e), reason, nowMillis);
        failures.cutBack(cut);
        failures.drop(reason, lost);
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
            if (f.created && size <= PcapFormat.GLOBAL_HEADER_BYTES) {
                // Created by this process and no record reached it (the disk was full): no capture.
                f.sealed = true;
                Files.deleteIfExists(f.path);
                forgetCreated(f);
            }
        } catch (IOException e) {
            f.sealed = true;
            IOException notOpened = f.channel.failure();
            if (notOpened == null) {
                log.warn("closing {}: {}", f.path, IoErrors.describe(e));
            } else if (f.created && !(notOpened instanceof FileAlreadyExistsException)) {
                forgetCreated(f); // the opener removed what it had created
            }
        }
        WriterLocks.released(f.path); // the lock went with the channel
        f.closed = true; // its buffer region goes to the next file
        files.remove(f);
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

    /** A file this process created is gone again: files_created counts files that stay. */
    private void forgetCreated(OpenFile f) {
        existingNames().remove(f.path.getFileName().toString()); // free for the next file
        metrics.filesCreated.decrementAndGet();
    }

    public int openFiles() {
        return files.count();
    }

    /** Flushes and closes every file. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (files.oldest() != null) {
            OpenFile f = files.oldest();
            f.sealed = true;
            closeFile(f);
        }
        series.clear();
        files.release();
        partition.release();
    }
}
