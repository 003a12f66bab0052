package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live on {@code lo} with the collector on {@code lo}: without the BPF self-exclusion every
 * forwarded datagram would be captured and forwarded again, without end.
 */
class LoopbackSelfExclusionIT {
    private static final int MARKERS = 300;

    @Test
    void ownForwardingTrafficNeverAppearsInTheCapture(@TempDir Path dir) throws Exception {
        assumeTrue(Fixtures.isRoot(), "live capture needs root");
        InetAddress lo = InetAddress.getLoopbackAddress();
        Path out = dir.resolve("out");
        int collectorPort;
        try (DatagramSocket collector = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket target = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket injector = new DatagramSocket()) {
            collectorPort = collector.getLocalPort();
            int targetPort = target.getLocalPort();
            collector.setReceiveBufferSize(4 << 20);
            collector.setSoTimeout(500);
            Path cfg = Fixtures.config(dir, "f.yaml", "lo", out, "enable: true\nhost: \"127.0.0.1\"\nport: "
                    + collectorPort + "\nprotocol: \"udp\"\n");
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString())) {
                fwd.awaitLine("capturing on lo", 60);
                for (int i = 0; i < MARKERS; i++) {
                    byte[] m = marker(i);
                    injector.send(new DatagramPacket(m, m.length, lo, targetPort));
                }
                // Wait until every marker came back through the collector, then stop.
                Set<String> seen = new HashSet<>();
                byte[] buf = new byte[65536];
                long end = System.nanoTime() + 60_000_000_000L;
                while (seen.size() < MARKERS && System.nanoTime() < end) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        collector.receive(p);
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                    String s = new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1);
                    int at = s.indexOf("fwd-it-marker-");
                    if (at >= 0) {
                        seen.add(s.substring(at).trim());
                    }
                    assertEquals(-1, udpPorts(buf, 24, p.getLength() - 24).indexOf("/" + collectorPort + "/"),
                            "a forwarded packet is itself a forwarding datagram");
                }
                assertEquals(MARKERS, seen.size(), "markers forwarded; forwarder:\n" + fwd.log());
                assertEquals(0, fwd.stop(60), fwd.log());
            }
        }
        int markers = 0;
        for (PcapRecords.Packet p : Fixtures.localPackets(out)) {
            String ports = udpPorts(p.data(), 0, p.data().length);
            assertEquals(false, ports.contains("/" + collectorPort + "/"), "forwarding datagram captured: " + p);
            if (new String(p.data(), StandardCharsets.ISO_8859_1).contains("fwd-it-marker-")) {
                markers++;
            }
        }
        assertEquals(MARKERS, markers, "injected datagrams in the local capture");
    }

    private static byte[] marker(int i) {
        return ("fwd-it-marker-" + i + " ").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** "/src/dst/" of an Ethernet + IPv4 + UDP frame, else "". */
    private static String udpPorts(byte[] f, int off, int len) {
        if (len < 42 || (f[off + 12] & 0xFF) != 0x08 || f[off + 13] != 0x00 || f[off + 23] != 17) {
            return "";
        }
        int ihl = (f[off + 14] & 0x0F) * 4;
        int u = off + 14 + ihl;
        int src = ((f[u] & 0xFF) << 8) | (f[u + 1] & 0xFF);
        int dst = ((f[u + 2] & 0xFF) << 8) | (f[u + 3] & 0xFF);
        return "/" + src + "/" + dst + "/";
    }
}
