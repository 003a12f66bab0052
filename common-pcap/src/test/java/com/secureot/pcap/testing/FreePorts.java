package com.secureot.pcap.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports nobody listens on at the moment of the call, for the daemons a test starts. A port is
 * handed out once per test JVM: a test asks for several (a collector's TCP and metrics ports) before
 * its daemon binds any, and when earlier tests have left the ephemeral range nearly full (tens of
 * thousands of connections in TIME_WAIT) the kernel's next free port can be the one it just gave.
 */
public final class FreePorts {
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    public static int tcp() throws IOException {
        return fresh(() -> {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        });
    }

    public static int udp() throws IOException {
        return fresh(() -> {
            try (DatagramSocket s = new DatagramSocket(0)) {
                return s.getLocalPort();
            }
        });
    }

    private interface Probe {
        int port() throws IOException;
    }

    /** A port the kernel offers that this JVM has not handed out before. */
    private static synchronized int fresh(Probe probe) throws IOException {
        int port;
        do {
            port = probe.port();
        } while (!GIVEN.add(port));
        return port;
    }
}
