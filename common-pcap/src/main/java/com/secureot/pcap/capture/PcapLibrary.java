package com.secureot.pcap.capture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Points pcap4j at libpcap before its first use. pcap4j asks JNA for {@code libpcap.so}, which
 * only the {@code -dev} package installs; a probe has the runtime {@code libpcap.so.0.8} alone.
 */
public final class PcapLibrary {
    static final String PROPERTY = "org.pcap4j.core.pcapLibName";
    private static final List<String> DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib/arm-linux-gnueabihf", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64", "/lib");

    private PcapLibrary() {
    }

    /** Sets the library name unless the operator chose one with {@code -Dorg.pcap4j.core.pcapLibName}. */
    public static synchronized void configure() {
        if (System.getProperty(PROPERTY) != null) {
            return;
        }
        for (String name : List.of("libpcap.so", "libpcap.so.1", "libpcap.so.0.8")) {
            for (String dir : DIRS) {
                Path p = Path.of(dir, name);
                if (Files.exists(p)) {
                    System.setProperty(PROPERTY, p.toString());
                    return;
                }
            }
        }
    }
}
