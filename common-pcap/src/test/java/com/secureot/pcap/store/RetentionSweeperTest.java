package com.secureot.pcap.store;

import com.secureot.pcap.config.RetentionConfig;
import com.secureot.pcap.metrics.CaptureMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetentionSweeperTest {
    @TempDir
    Path dir;

    @Test
    void aFileReopenedBetweenTheListingAndTheDeleteIsNotDeleted() throws Exception {
        long now = System.currentTimeMillis();
        Path old = dir.resolve("plc_20240101_00.pcap");
        Files.write(old, new byte[100]);
        Files.setLastModifiedTime(old, FileTime.fromMillis(now - 10 * 3_600_000L));
        // The open set as the stores share it; a store reopens the file (a late packet of its hour)
        // right after retention listed the folder and found it closed.
        Set<Path> open = Collections.synchronizedSet(new HashSet<>() {
            private boolean listed;

            @Override
            public boolean contains(Object o) {
                if (!listed) {
                    listed = true;
                    return false; // at the listing: closed
                }
                add(old); // reopened meanwhile
                return super.contains(o);
            }
        });
        CaptureMetrics metrics = new CaptureMetrics();
        new RetentionSweeper(dir, new RetentionConfig(0, 3600, 1), metrics, open, name -> { }).sweep(now);
        assertTrue(Files.exists(old), "a file open for writing is never deleted");
        assertEquals(0, metrics.filesDeleted.get());

        open.clear();
        Set<Path> closed = Collections.synchronizedSet(new HashSet<>());
        new RetentionSweeper(dir, new RetentionConfig(0, 3600, 1), metrics, closed, name -> { }).sweep(now);
        assertTrue(Files.notExists(old), "closed and too old: deleted");
        assertEquals(1, metrics.filesDeleted.get());
    }
}
