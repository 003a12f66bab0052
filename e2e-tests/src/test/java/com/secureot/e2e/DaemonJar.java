package com.secureot.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shaded jars the reactor built before this module (see pom.xml); run them with DaemonRun. */
final class DaemonJar {
    static final Path FORWARDER = jar("forwarder.jar", "../sniffer-span-forwarder/target/sniffer-span-forwarder.jar");
    static final Path COLLECTOR = jar("collector.jar", "../sniffer-remote-pcap/target/sniffer-remote-pcap.jar");

    private DaemonJar() {
    }

    private static Path jar(String property, String fallback) {
        Path p = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(p + " is missing: run the tests through Maven (mvn verify), which builds it first");
        }
        return p;
    }
}
