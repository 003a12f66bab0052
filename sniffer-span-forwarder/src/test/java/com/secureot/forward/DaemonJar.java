package com.secureot.forward;

import java.nio.file.Path;

/** The daemon jars these tests run (with DaemonRun): this module's, and sniffer-span-pcap's to compare with. */
final class DaemonJar {
    static final Path FORWARDER = Path.of("target/sniffer-span-forwarder.jar").toAbsolutePath();
    static final Path SPAN_PCAP = Path.of("../sniffer-span-pcap/target/sniffer-span-pcap.jar").toAbsolutePath();

    private DaemonJar() {
    }
}
