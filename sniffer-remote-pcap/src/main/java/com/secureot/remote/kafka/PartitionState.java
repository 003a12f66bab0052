package com.secureot.remote.kafka;

import com.secureot.remote.sequence.SequenceRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this collector's files hold of one partition: per sensor and run (stream epoch), the
 * sequence numbers stored, as ranges. Ranges, not a high-water mark, because a record can come
 * behind its successor (the forwarder resends a record its producer failed on after the next
 * ones were accepted): it is stored then, not taken for a duplicate. Kept in a small text file
 * under the output folder, rewritten (atomically) each time the records consumed are in the
 * files, before their offsets are committed, so that a collector given the partition back after
 * a crash skips what it stored after its last commit instead of storing it twice. Consumer
 * thread only.
 *
 * <p>File format, one run a line after a header: {@code sensor_id stream_epoch ranges}, the
 * ranges as {@code 1-500,502-900} ({@code -} for none): v2. A line of v1 (the previous release:
 * {@code sensor_id stream_epoch next_sequence}) reads as the range {@code 1..next_sequence-1}.
 */
final class PartitionState {
    private static final Logger log = LoggerFactory.getLogger(PartitionState.class);
    /** Runs remembered per sensor: a sensor restarted more often than this within a commit interval is not expected. */
    static final int RUNS_PER_SENSOR = 8;
    static final String HEADER = "# sniffer-remote-pcap kafka state v2: sensor_id stream_epoch stored_sequence_ranges";

    /** The sequence numbers stored of one sensor run. */
    static final class Run {
        private final SequenceRanges stored;

        private Run(SequenceRanges stored) {
            this.stored = stored;
        }

        /** How many of the {@code count} packets from {@code first} on are stored already. */
        long held(long first, int count) {
            long last = first + count - 1;
            if (stored.size() == 0 || first > stored.max()) {
                return 0; // the common case: the next record of the run
            }
            return stored.overlap(first, last);
        }

        boolean holds(long sequence) {
            return stored.contains(sequence);
        }

        @Override
        public String toString() {
            return stored.toString();
        }
    }

    private final Path file;
    /**
     * sensor id -> (stream epoch -> what is stored), the runs in the order they were last seen:
     * the forwarder's stream id is random, so the one to forget is the one least recently seen,
     * not the lowest.
     */
    private final Map<String, LinkedHashMap<Long, Run>> sensors = new HashMap<>();
    private boolean dirty;

    private PartitionState(Path file) {
        this.file = file;
    }

    /** The state kept in {@code file}, or an empty one when there is none (or it cannot be read: logged). */
    static PartitionState load(Path file) {
        PartitionState s = new PartitionState(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return s;
        } catch (IOException e) {
            log.warn("kafka: cannot read {} ({}); records this collector stored after its last commit may be "
                    + "stored again", file, e.getMessage());
            return s;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            try {
                if (f.length != 3) {
                    throw new NumberFormatException("expected 3 fields");
                }
                s.runs(f[0]).put(Long.parseLong(f[1]), new Run(ranges(f[2])));
            } catch (NumberFormatException e) {
                log.warn("kafka: {} line {}: \"{}\" is not \"sensor_id stream_epoch stored_sequence_ranges\"; ignored",
                        file, i + 1, line);
            }
        }
        return s;
    }

    /** v2 ranges, or a v1 next sequence number: every number below it was stored. */
    private static SequenceRanges ranges(String field) {
        if (field.indexOf('-') < 0) {
            long next = Long.parseLong(field);
            SequenceRanges r = new SequenceRanges();
            if (next > 1) {
                r.add(1, next - 1);
            }
            return r;
        }
        return SequenceRanges.parse(field);
    }

    /** The run of {@code sensor} named {@code epoch}, made (forgetting the least recently seen run) when new. */
    Run run(String sensor, long epoch) {
        LinkedHashMap<Long, Run> runs = runs(sensor);
        Run run = runs.get(epoch);
        if (run == null) {
            run = new Run(new SequenceRanges());
            runs.put(epoch, run);
            while (runs.size() > RUNS_PER_SENSOR) {
                runs.remove(runs.keySet().iterator().next());
            }
        }
        return run;
    }

    /**
     * Marks the {@code count} packets from {@code first} on as stored in {@code run}. When that
     * would make more than {@link SequenceRanges#MAX_RANGES} ranges, the lowest go first: should
     * those packets come again they are stored twice (never skipped unstored).
     *
     * @return how many ranges were forgotten for room (0 normally)
     */
    int stored(Run run, long first, int count) {
        long last = first + count - 1;
        int forgotten = 0;
        while (!run.stored.add(first, last)) {
            run.stored.forgetLowest();
            forgotten++;
        }
        dirty = true;
        return forgotten;
    }

    private LinkedHashMap<Long, Run> runs(String sensor) {
        return sensors.computeIfAbsent(sensor, k -> new LinkedHashMap<>(16, 0.75f, true));
    }

    /** Writes the state when it changed; an error is logged (only duplicates can follow from it). */
    void save() {
        if (!dirty) {
            return;
        }
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sensors.forEach((id, runs) -> runs.forEach((epoch, run) ->
                sb.append(id).append(' ').append(epoch).append(' ').append(run).append('\n')));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, sb, StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            dirty = false;
        } catch (IOException e) {
            log.warn("kafka: cannot write {} ({}); after a crash, records may be stored twice", file, e.getMessage());
        }
    }
}
