package com.secureot.remote.sot2;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The SOT2 streams the collector knows, each with its journal in {@code <output>/.sot2/}. Opened
 * before any connection is accepted: opening recovers what an earlier run left (see
 * {@link StreamJournal}), which must happen while nothing writes to the files.
 */
public final class Sot2Streams implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sot2Streams.class);
    public static final String FOLDER = ".sot2";
    /** How long a reconnecting sensor waits for its previous connection's records to be stored. */
    static final long TAKEOVER_MILLIS = 10_000;

    private final Path dir;
    private final boolean fsync;
    /** The output folder is another running collector's. */
    public static final class InUse extends IOException {
        InUse(String message) {
            super(message);
        }
    }

    private final Map<String, StreamJournal> streams = new HashMap<>();
    /** Certificate names whose hello gave another sensor id, each logged once per run. */
    private final java.util.Set<String> renamed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private FileChannel lockFile;
    private FileLock lock;

    private Sot2Streams(Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
    }

    /**
     * Recovers every journal in {@code outputDir/.sot2}, if there is one; the folder is created
     * (and locked) only when the first SOT2 stream connects, so a collector that never serves one
     * leaves its output folder as it was.
     */
    public static Sot2Streams open(Path outputDir, boolean fsync) throws IOException {
        Path dir = outputDir.resolve(FOLDER);
        Sot2Streams s = new Sot2Streams(dir, fsync);
        if (!Files.isDirectory(dir)) {
            return s;
        }
        s.lock();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.journal")) {
            for (Path p : ds) {
                StreamJournal j = StreamJournal.recover(p, fsync);
                if (j != null) {
                    s.streams.put(key(j.sensorId, j.streamId), j);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tmp")) {
            for (Path p : ds) {
                Files.deleteIfExists(p); // a rewrite cut short: the journal it was to replace is whole
            }
        }
        if (!s.streams.isEmpty()) {
            log.info("sot2: {} stream(s) known from {}", s.streams.size(), dir);
        }
        return s;
    }

    /** Recovery cuts files back: a second collector on the same folder would cut the first one's. */
    private void lock() throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new InUse("another collector is using this output folder (" + dir.resolve("lock")
                    + " is locked)");
        }
        lockFile = ch;
        lock = l;
    }

    /** True the first time (this run) that the sensor with certificate {@code certName} calls itself {@code helloId}. */
    boolean firstRename(String certName, String helloId) {
        return renamed.size() < 4096 && renamed.add(certName + "\n" + helloId);
    }

    public boolean fsync() {
        return fsync;
    }

    private static String key(String sensor, long stream) {
        return sensor + "~" + stream;
    }

    /** The journal of a stream, created on its first connection. */
    synchronized StreamJournal journal(String sensor, long stream) throws IOException {
        if (lock == null) {
            lock();
        }
        String k = key(sensor, stream);
        StreamJournal j = streams.get(k);
        if (j == null) {
            j = StreamJournal.create(dir, sensor, stream, fsync);
            streams.put(k, j);
        }
        return j;
    }

    @Override
    public synchronized void close() {
        streams.values().forEach(StreamJournal::close);
        streams.clear();
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            if (lockFile != null) {
                lockFile.close();
            }
        } catch (IOException e) {
            log.debug("releasing {}: {}", dir.resolve("lock"), e.getMessage());
        }
    }
}
