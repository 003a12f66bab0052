package com.secureot.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shaded jars the reactor built before this module (its test dependencies order the build),
 * next to this module's folder, where the tests run; run them with DaemonRun.
 */
public final class DaemonJar {
    public static final Path FORWARDER = jar("../sniffer-span-forwarder/target/sniffer-span-forwarder.jar");
    public static final Path COLLECTOR = jar("../sniffer-remote-pcap/target/sniffer-remote-pcap.jar");

    private DaemonJar() {
    }

    private static Path jar(String path) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: run the tests through Maven (mvn verify), which builds it first");
        }
        return p;
    }
}
