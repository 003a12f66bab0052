package com.secureot.pcap.daemon;

import com.secureot.pcap.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks, then creates, the output folder; its problems are configuration errors (exit 78). */
public final class OutputFolder {
    private static final String KEY = "output_directories.pcap_raw_output_path";

    private OutputFolder() {
    }

    /** Fails unless the folder exists and is writable, or could be created; creates nothing. */
    public static void check(Path dir) throws ConfigException {
        Path p = dir.toAbsolutePath();
        if (Files.exists(p)) {
            if (!Files.isDirectory(p)) {
                throw new ConfigException(KEY + ": \"" + dir + "\" is not a directory");
            }
            if (!Files.isWritable(p)) {
                throw new ConfigException(KEY + ": \"" + dir + "\" is not writable by this user");
            }
            return;
        }
        Path parent = p.getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new ConfigException(KEY + ": \"" + dir + "\" does not exist and cannot be created by this user");
        }
    }

    public static void create(Path dir) throws ConfigException {
        check(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException(KEY + ": \"" + dir + "\" cannot be created: " + e.getMessage());
        }
    }
}
