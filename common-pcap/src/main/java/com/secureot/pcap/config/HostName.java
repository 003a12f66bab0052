package com.secureot.pcap.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's host name, as the kernel has it: no name service is asked (it may be down at boot). */
final class HostName {
    private HostName() {
    }

    static String get() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "" : env.trim();
        }
    }
}
