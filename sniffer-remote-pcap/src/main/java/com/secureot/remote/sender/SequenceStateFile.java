package com.secureot.remote.sender;

import com.secureot.pcap.daemon.StateFile;
import com.secureot.pcap.route.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The SOT1 sequence state kept across collector restarts, so that datagrams sent while the
 * collector was down count as gaps, and a replay of a past run stays refused: a small text file in
 * the output folder, rewritten whole (temporary file, then rename, so a crash leaves the old or
 * the new one, never half of one). Per sensor key the epoch and highest sequence; per
 * unauthenticated source address and port the next sequence due.
 *
 * <pre>
 * sot1-state 1
 * key 7 1764590000123456 48213
 * source 192.168.50.100 40123 99
 * </pre>
 */
public final class SequenceStateFile {
    public static final String NAME = ".sot1-sequence-state";
    private static final Logger log = LoggerFactory.getLogger(SequenceStateFile.class);
    private static final String VERSION_LINE = "sot1-state 1";

    private final Path file;

    public SequenceStateFile(Path outputDir) {
        this.file = outputDir.resolve(NAME);
    }

    public Path path() {
        return file;
    }

    /**
     * Restores the saved state into the sensors' windows and into {@code trackers}. A file that is
     * missing starts fresh; one that cannot be read or parsed is one WARN line and starts fresh too
     * (the collector must serve either way).
     *
     * @return how many entries were restored
     */
    public int load(Sensors sensors, Map<SocketAddress, SequenceTracker> trackers) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            log.warn("SOT1 sequence state {} cannot be read ({}): sequences start fresh, gaps during the restart "
                    + "are not counted", file, e.getClass().getSimpleName());
            return 0;
        }
        if (lines.isEmpty() || !lines.get(0).equals(VERSION_LINE)) {
            log.warn("SOT1 sequence state {} does not start with \"{}\": ignored, sequences start fresh", file,
                    VERSION_LINE);
            return 0;
        }
        int restored = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split(" ");
            try {
                if (f.length == 4 && f[0].equals("key")) {
                    Sensor s = sensors.byKeyId(Long.parseLong(f[1]));
                    if (s != null) {
                        // A key removed from the configuration is dropped with its state.
                        s.window().restore(Long.parseLong(f[2]), Long.parseLong(f[3]));
                        restored++;
                    }
                } else if (f.length == 4 && f[0].equals("source")) {
                    byte[] a = IpAddresses.parseLiteral(f[1]);
                    if (a == null) {
                        throw new NumberFormatException(f[1]);
                    }
                    SequenceTracker t = new SequenceTracker();
                    t.restore(Long.parseLong(f[3]));
                    trackers.put(new InetSocketAddress(InetAddress.getByAddress(a), Integer.parseInt(f[2])), t);
                    restored++;
                } else if (!lines.get(i).isBlank()) {
                    throw new NumberFormatException(lines.get(i));
                }
            } catch (UnknownHostException | IllegalArgumentException e) {
                log.warn("SOT1 sequence state {} line {} is not understood: \"{}\"; skipped", file, i + 1,
                        lines.get(i));
            }
        }
        return restored;
    }

    /**
     * Writes the state of every started window and tracker.
     *
     * @param durable fsync before the rename (at the stop; the periodic saves skip it: a process
     *                crash keeps what the OS was given, only a power loss may lose the last save)
     */
    public void save(Sensors sensors, Map<SocketAddress, SequenceTracker> trackers, boolean durable)
            throws IOException {
        StringBuilder sb = new StringBuilder(64 + 48 * trackers.size());
        sb.append(VERSION_LINE).append('\n');
        for (Sensor s : sensors.all()) {
            ReplayWindow w = s.window();
            if (w.started()) {
                sb.append("key ").append(s.key().id()).append(' ').append(w.epoch()).append(' ')
                        .append(w.highest()).append('\n');
            }
        }
        for (Map.Entry<SocketAddress, SequenceTracker> e : trackers.entrySet()) {
            if (e.getKey() instanceof InetSocketAddress a && e.getValue().started()) {
                sb.append("source ").append(a.getAddress().getHostAddress()).append(' ').append(a.getPort())
                        .append(' ').append(e.getValue().expected()).append('\n');
            }
        }
        StateFile.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8), durable);
    }
}
