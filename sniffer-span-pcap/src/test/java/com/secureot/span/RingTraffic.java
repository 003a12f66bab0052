package com.secureot.span;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the packet ring tests inject and how they watch tcpdump's file fill up. */
final class RingTraffic {
    private RingTraffic() {
    }

    /** {@code count} IPv4 frames from 200 sources to one address, {@code payload} to {@code payload + 6} bytes. */
    static List<Packet> frames(int count, int payload) {
        List<Packet> p = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            p.add(Packet.of(1_700_000_000L + i / 1000, i % 1000 * 1000,
                    TestPcaps.ipv4Frame("10.2.0." + (1 + i % 200), "10.3.0.1", payload + i % 7)));
        }
        return p;
    }

    /** Whole records in a pcap file being written (0 while it does not exist; a torn last record is not counted). */
    static long records(Path pcap) {
        try {
            byte[] b = Files.readAllBytes(pcap);
            long n = 0;
            for (int p = 24; p + 16 <= b.length; n++) {
                int cap = (b[p + 8] & 0xFF) | (b[p + 9] & 0xFF) << 8 | (b[p + 10] & 0xFF) << 16 | (b[p + 11] & 0xFF) << 24;
                p += 16 + cap;
                if (p > b.length) {
                    break;
                }
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }
}
