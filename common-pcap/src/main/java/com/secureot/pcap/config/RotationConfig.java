package com.secureot.pcap.config;

import java.time.ZoneId;

/**
 * {@code rotation}: files are cut at each hour of the packet timestamp in {@code zone}, and
 * into further parts at {@code maxFileBytes} (0 = no size limit).
 *
 * @param maxOpenFiles files kept open at once; the least recently written is closed beyond it
 * @param idleCloseSeconds a file not written for this long is closed (reopened on demand)
 * @param flushIntervalMillis buffered records reach the file at least this often
 * @param writerThreads threads writing files, each owning the prefixes of its share
 */
public record RotationConfig(ZoneId zone, long maxFileBytes, int maxOpenFiles, int idleCloseSeconds,
                             int flushIntervalMillis, int writerThreads) {

    /** The same settings with one writer thread (tests, and daemons that do not split writing). */
    public RotationConfig(ZoneId zone, long maxFileBytes, int maxOpenFiles, int idleCloseSeconds,
                          int flushIntervalMillis) {
        this(zone, maxFileBytes, maxOpenFiles, idleCloseSeconds, flushIntervalMillis, 1);
    }

    static RotationConfig read(ConfigNode n) {
        String tz = n.string("timezone", "local");
        ZoneId zone = ZoneId.systemDefault();
        if (tz.equalsIgnoreCase("utc")) {
            zone = java.time.ZoneOffset.UTC;
        } else if (!tz.equalsIgnoreCase("local")) {
            try {
                zone = ZoneId.of(tz);
            } catch (RuntimeException e) {
                n.error("timezone", ConfigNode.quote(tz) + " is not local, UTC or a zone id such as Europe/Paris");
            }
        }
        long maxMb = n.integer("max_file_size_mb", 0, 0, 1 << 20);
        int maxOpen = (int) n.integer("max_open_files", 16384, 4, 1 << 20);
        int idle = (int) n.integer("idle_close_seconds", 300, 1, 86400);
        int flush = (int) n.integer("flush_interval_ms", 1000, 10, 60_000);
        // Writing many files is mostly kernel time in write(2); a second thread halves it on 2 cores.
        int writers = (int) n.integer("writer_threads", Math.min(2, Runtime.getRuntime().availableProcessors()), 1, 16);
        n.finish();
        return new RotationConfig(zone, maxMb << 20, maxOpen, idle, flush, writers);
    }
}
