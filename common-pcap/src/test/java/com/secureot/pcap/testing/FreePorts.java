package com.secureot.pcap.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;

/** Ports nobody listens on at the moment of the call, for the daemons a test starts. */
public final class FreePorts {
    private FreePorts() {
    }

    public static int tcp() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static int udp() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }
}
