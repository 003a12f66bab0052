package com.secureot.pcap.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's soft limit on open files (RLIMIT_NOFILE), read from /proc; large when unknown. */
final class DescriptorLimit {
    private DescriptorLimit() {
    }

    static int current() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE,
                            Long.parseLong(soft));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc hidden: rely on max_open_files alone
        }
        return Integer.MAX_VALUE;
    }
}
