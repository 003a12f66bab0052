package com.secureot.e2e;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a collector stored, compared with what was sent (SOT2 may store a backfill out of order). */
final class StoredPackets {
    private StoredPackets() {
    }

    /** Every packet stored under {@code out}, in every part of every hour. */
    static List<Packet> all(Path out) throws IOException {
        List<Packet> all = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList()) {
                System.err.println(f + ": " + Files.size(f) + " bytes");
                all.addAll(TestPcaps.read(f).packets());
            }
        }
        return all;
    }

    /** The two lists hold the same packets the same number of times (the order of a backfill differs). */
    static void assertSameMultiset(List<Packet> expected, List<Packet> got, String what) {
        Map<Packet, Integer> count = new HashMap<>();
        for (Packet p : expected) {
            count.merge(p, 1, Integer::sum);
        }
        int twice = 0;
        int unexpected = 0;
        for (Packet p : got) {
            Integer n = count.get(p);
            if (n == null) {
                unexpected++;
            } else if (n == 0) {
                twice++;
            } else {
                count.put(p, n - 1);
            }
        }
        long missing = count.values().stream().mapToLong(Integer::longValue).sum();
        assertEquals("missing=0 twice=0 unexpected=0", "missing=" + missing + " twice=" + twice + " unexpected="
                + unexpected, what + ": " + got.size() + " stored, " + expected.size() + " expected");
    }
}
