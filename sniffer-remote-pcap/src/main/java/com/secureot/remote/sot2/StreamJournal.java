package com.secureot.remote.sot2;

import com.secureot.pcap.io.PcapFormat;
import com.secureot.pcap.store.AppendTracker;
import com.secureot.remote.sequence.SequenceRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one stream (sensor, stream id) has stored, kept in an append-only text file under the
 * output folder so that a restarted collector still recognises a resent record:
 * <pre>
 * C &lt;interval&gt; &lt;ranges&gt;          every record in the ranges is in the files (a commit)
 * I &lt;interval&gt; &lt;offset&gt; &lt;file&gt;   the interval's first record in that file starts there
 * S &lt;interval&gt; &lt;file&gt;            another source wrote into the file after the interval's records
 * </pre>
 * Records reach their files before they are committed (a buffer fills, the flush period), so a
 * collector killed in between has records in its files that no commit names: the sensor will
 * send them again. Because every interval's first offset in each file is written here before its
 * records can reach the file, the restarted collector cuts such files back to where the
 * uncommitted records began (a file the process never appends to again: it starts new parts), and
 * the resent records are stored once. A file another source wrote into meanwhile is not cut
 * (its records would be lost); the resent records may then be stored twice, and a line says so.
 *
 * <p>Writers call the tracker methods; the session publishes and commits. Every method is
 * synchronized: they come from the session's thread and the writer threads.
 */
final class StreamJournal implements AppendTracker {
    private static final Logger log = LoggerFactory.getLogger(StreamJournal.class);
    /** Past this size the journal is rewritten with only what is still needed. */
    private static final long COMPACT_BYTES = 4 << 20;

    private record Intent(long interval, Path file, long offset) {
    }

    final String sensorId;
    final long streamId;
    private final Path path;
    private final boolean fsync;
    private FileChannel channel;
    private long bytes;
    private SequenceRanges committed;
    /** Committed plus what was handed to the writers since: what a duplicate is checked against. */
    private SequenceRanges published;
    private long committedInterval;
    private final List<Intent> intents = new ArrayList<>();
    private final List<Intent> shared = new ArrayList<>();
    private Object holder;
    private boolean failed;

    private StreamJournal(String sensorId, long streamId, Path path, boolean fsync, SequenceRanges committed,
                          long committedInterval) {
        this.sensorId = sensorId;
        this.streamId = streamId;
        this.path = path;
        this.fsync = fsync;
        this.committed = committed;
        this.published = committed.copy();
        this.committedInterval = committedInterval;
    }

    static String fileName(String sensorId, long streamId) {
        return sensorId + "~" + String.format("%016x", streamId) + ".journal";
    }

    /** A new stream's journal. */
    static StreamJournal create(Path dir, String sensorId, long streamId, boolean fsync) throws IOException {
        StreamJournal j = new StreamJournal(sensorId, streamId, dir.resolve(fileName(sensorId, streamId)), fsync,
                new SequenceRanges(), 0);
        j.rewrite();
        return j;
    }

    /**
     * Reads a journal left by an earlier run and cuts its stream's files back to the last commit
     * (see the class comment); null when the file is not a journal of this format.
     */
    static StreamJournal recover(Path file, boolean fsync) throws IOException {
        String name = file.getFileName().toString();
        int tilde = name.lastIndexOf('~');
        if (tilde < 1 || !name.endsWith(".journal")) {
            return null;
        }
        String sensor = name.substring(0, tilde);
        long stream;
        try {
            stream = Long.parseUnsignedLong(name.substring(tilde + 1, name.length() - ".journal".length()), 16);
        } catch (NumberFormatException e) {
            return null;
        }
        SequenceRanges committed = new SequenceRanges();
        long interval = 0;
        List<Intent> open = new ArrayList<>();
        List<Intent> sharedMarks = new ArrayList<>();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        // A line not ended by a newline was cut by a power loss: it never took effect.
        for (String line : (end < 0 ? "" : text.substring(0, end)).split("\n")) {
            String[] f = line.split(" ", 4);
            try {
                switch (f[0]) {
                    case "C" -> {
                        interval = Long.parseLong(f[1]);
                        committed = SequenceRanges.parse(f[2]);
                        long done = interval;
                        open.removeIf(i -> i.interval <= done);
                        sharedMarks.removeIf(i -> i.interval <= done);
                    }
                    case "I" -> open.add(new Intent(Long.parseLong(f[1]), Path.of(f[3]), Long.parseLong(f[2])));
                    case "S" -> sharedMarks.add(new Intent(Long.parseLong(f[1]), Path.of(line.split(" ", 3)[2]), 0));
                    default -> {
                        if (!line.isEmpty()) {
                            log.warn("{}: line \"{}\" not understood; ignored", file, line);
                        }
                    }
                }
            } catch (RuntimeException e) {
                log.warn("{}: line \"{}\" not understood; ignored", file, line);
            }
        }
        cutBack(sensor, open, sharedMarks);
        StreamJournal j = new StreamJournal(sensor, stream, file, fsync, committed, interval);
        j.rewrite();
        return j;
    }

    /** Cuts each file back to the first uncommitted record of the stream, where no other source wrote after it. */
    private static void cutBack(String sensor, List<Intent> open, List<Intent> sharedMarks) {
        Map<Path, List<Intent>> byFile = new HashMap<>();
        for (Intent i : open) {
            byFile.computeIfAbsent(i.file, k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<Path, List<Intent>> e : byFile.entrySet()) {
            Path file = e.getKey();
            long sharedUpTo = Long.MIN_VALUE; // the latest interval after whose records another source wrote
            for (Intent s : sharedMarks) {
                if (s.file.equals(file)) {
                    sharedUpTo = Math.max(sharedUpTo, s.interval);
                }
            }
            long cut = Long.MAX_VALUE;
            for (Intent i : e.getValue()) {
                if (i.interval > sharedUpTo) {
                    cut = Math.min(cut, i.offset);
                }
            }
            if (sharedUpTo != Long.MIN_VALUE) {
                log.warn("sot2: {} holds records of sensor {} that were not acknowledged, followed by another "
                        + "source's; they are kept, and the sensor's resend may store them twice", file, sensor);
            }
            if (cut != Long.MAX_VALUE) {
                cut(file, cut, sensor);
            }
        }
    }

    private static void cut(Path file, long offset, String sensor) {
        try {
            long size = Files.size(file);
            if (offset <= PcapFormat.GLOBAL_HEADER_BYTES) {
                // Created for these records (killed before or after its header reached it): not a capture of its own.
                Files.delete(file);
                log.info("sot2: removed {}: it held only records of sensor {} that were never acknowledged (the "
                        + "sensor sends them again)", file, sensor);
                return;
            }
            if (size <= offset) {
                return;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(offset);
                ch.force(false);
            }
            log.info("sot2: cut {} back from {} to {} bytes: the records after it were never acknowledged to "
                    + "sensor {}, which sends them again", file, size, offset, sensor);
        } catch (NoSuchFileException e) {
            // removed since (retention): nothing to cut
        } catch (IOException e) {
            log.error("sot2: cannot cut {} back to {} bytes ({}); the sensor's resend may store records twice",
                    file, offset, e.getMessage());
        }
    }

    /** Writes the journal anew with only the last commit and the open intervals' lines. */
    private void rewrite() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("C ").append(committedInterval).append(' ').append(committed).append('\n');
        for (Intent i : intents) {
            sb.append("I ").append(i.interval).append(' ').append(i.offset).append(' ').append(i.file).append('\n');
        }
        for (Intent i : shared) {
            sb.append("S ").append(i.interval).append(' ').append(i.file).append('\n');
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(b));
            ch.force(false);
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (channel != null) {
            channel.close();
        }
        channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        bytes = b.length;
    }

    private void append(String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            if (fsync) {
                channel.force(false);
            }
            bytes += b.length;
        } catch (IOException e) {
            // Without this line a restart cannot tell what to cut back: stop committing this stream.
            failed = true;
            log.error("sot2: cannot write {} ({}); sensor {} is no longer acknowledged until it reconnects", path,
                    e.getMessage(), sensorId);
        }
    }

    @Override
    public synchronized void firstAppend(Path file, long offset, long interval) {
        intents.add(new Intent(interval, file, offset));
        append("I " + interval + " " + offset + " " + file);
    }

    @Override
    public synchronized void shared(Path file, long interval) {
        if (interval <= committedInterval) {
            return; // that interval's records are committed: no cut will ever touch them
        }
        shared.add(new Intent(interval, file, 0));
        append("S " + interval + " " + file);
    }

    /** The interval the next session's first records belong to. */
    synchronized long nextInterval() {
        return committedInterval + 1;
    }

    synchronized long contiguous() {
        return committed.contiguous();
    }

    synchronized boolean isPublished(long sequence) {
        return published.contains(sequence);
    }

    /** Marks {@code [a, b]} as handed to the writers; false when the ranges would be too many. */
    synchronized boolean published(long a, long b) {
        return published.add(a, b);
    }

    synchronized long overlap(long a, long b) {
        return published.overlap(a, b);
    }

    /** What is published now, for the commit of the barrier issued now. */
    synchronized SequenceRanges snapshot() {
        return published.copy();
    }

    /** Records up to the barrier of {@code interval} are in the files: commits {@code upTo}; false if it could not. */
    synchronized boolean commit(long interval, SequenceRanges upTo) {
        if (failed || interval <= committedInterval) {
            return false;
        }
        committedInterval = interval;
        committed = upTo;
        intents.removeIf(i -> i.interval <= interval);
        shared.removeIf(i -> i.interval <= interval);
        append("C " + interval + " " + upTo);
        if (bytes > COMPACT_BYTES) {
            try {
                rewrite();
            } catch (IOException e) {
                failed = true;
                log.error("sot2: cannot rewrite {} ({})", path, e.getMessage());
            }
        }
        return !failed;
    }

    /** A barrier failed: what was published since the last commit is not known to be stored. */
    synchronized void uncommittedLost() {
        published = committed.copy();
    }

    /** Takes the stream for a session; false while another session holds it. */
    synchronized boolean take(Object session) {
        if (holder != null && holder != session) {
            return false;
        }
        holder = session;
        failed = false;
        published = committed.copy();
        return true;
    }

    synchronized Object holder() {
        return holder;
    }

    synchronized void release(Object session) {
        if (holder == session) {
            holder = null;
            notifyAll();
        }
    }

    /** Waits up to {@code millis} for the holder to release the stream. */
    synchronized boolean awaitReleased(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (holder != null) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    synchronized void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            log.debug("closing {}: {}", path, e.getMessage());
        }
    }
}
