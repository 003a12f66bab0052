package com.secureot.remote.kafka;

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
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * What this collector's files hold of one partition: per sensor and run (stream epoch), the next
 * sequence number not yet stored. Kept in a small text file under the output folder, rewritten
 * (atomically) each time the records consumed are in the files, before their offsets are
 * committed, so that a collector given the partition back after a crash skips what it stored
 * after its last commit instead of storing it twice. Consumer thread only.
 */
final class PartitionState {
    private static final Logger log = LoggerFactory.getLogger(PartitionState.class);
    /** Runs remembered per sensor: a sensor restarted more often than this within a commit interval is not expected. */
    static final int RUNS_PER_SENSOR = 8;
    private static final String HEADER = "# sniffer-remote-pcap kafka state v1: sensor_id stream_epoch next_sequence";

    private final Path file;
    /**
     * sensor id -> (stream epoch -> next sequence number not stored), the runs in the order they
     * were last seen: the forwarder's stream id is random, so the one to forget is the one least
     * recently seen, not the lowest.
     */
    private final Map<String, LinkedHashMap<Long, Long>> sensors = new HashMap<>();
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
                s.sensors.computeIfAbsent(f[0], k -> runs()).put(Long.parseLong(f[1]), Long.parseLong(f[2]));
            } catch (NumberFormatException e) {
                log.warn("kafka: {} line {}: \"{}\" is not \"sensor_id stream_epoch next_sequence\"; ignored",
                        file, i + 1, line);
            }
        }
        return s;
    }

    /**
     * Accounts a record of {@code count} packets from sequence number {@code first} on, of one
     * sensor run (stream epoch).
     *
     * @return how many of its leading packets the files already hold, to be skipped as duplicates
     */
    int accept(String sensor, long epoch, long first, int count) {
        LinkedHashMap<Long, Long> runs = sensors.computeIfAbsent(sensor, k -> runs());
        Long next = runs.get(epoch);
        long end = first + count;
        if (next != null && end <= next) {
            return count;
        }
        int skip = next != null && first < next ? (int) (next - first) : 0;
        runs.put(epoch, end);
        while (runs.size() > RUNS_PER_SENSOR) {
            runs.remove(runs.keySet().iterator().next());
        }
        dirty = true;
        return skip;
    }

    private static LinkedHashMap<Long, Long> runs() {
        return new LinkedHashMap<>(16, 0.75f, true);
    }

    /** Writes the state when it changed; an error is logged (only duplicates can follow from it). */
    void save() {
        if (!dirty) {
            return;
        }
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sensors.forEach((id, runs) -> runs.forEach((epoch, next) ->
                sb.append(id).append(' ').append(epoch).append(' ').append(next).append('\n')));
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
