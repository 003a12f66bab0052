package com.secureot.span;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test's own reading of the routing and naming rules, written from the issue rather than
 * from the daemon's code: rules {@code 10.1.0.2 -> plc2}, {@code fd00::1/128 -> ot6}, default
 * {@code misc_{src_ip}}; files named by the packet's hour in UTC.
 */
final class ExpectedFiles {
    static final String RULES = """
            routing_rules:
              - ip: "10.1.0.2"
                output_prefix: "plc2"
              - ip: "fd00::1/128"
                output_prefix: "ot6"
            default_output_prefix: "misc_{src_ip}"
            """;
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMdd_HH").withZone(ZoneId.of("UTC"));
    private static final Pattern NAME = Pattern.compile("(.+_\\d{8}_\\d{2})(?:-(\\d+))?\\.pcap");

    private ExpectedFiles() {
    }

    /** {@code <prefix>_<YYYYmmdd>_<HH>} of a packet (parts aside). */
    static String base(Packet p) {
        return prefix(p) + "_" + HOUR.format(Instant.ofEpochSecond(p.sec()));
    }

    static String prefix(Packet p) {
        byte[] d = p.data();
        int pos;
        int type;
        switch (p.linkType()) {
            case TestPcaps.ETHERNET -> {
                if (d.length < 14) {
                    return "misc_non-ip";
                }
                type = u16(d, 12);
                pos = 14;
                for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88A8 || type == 0x9100); tags++) {
                    if (d.length < pos + 4) {
                        return "misc_non-ip";
                    }
                    type = u16(d, pos + 2);
                    pos += 4;
                }
            }
            case TestPcaps.RAW -> {
                pos = 0;
                type = d.length > 0 && (d[0] & 0xF0) == 0x60 ? 0x86DD : 0x0800;
            }
            default -> throw new IllegalArgumentException("link type " + p.linkType());
        }
        byte[] src;
        byte[] dst;
        if (type == 0x0800 && d.length >= pos + 20 && (d[pos] & 0xF0) == 0x40 && (d[pos] & 0x0F) >= 5) {
            src = Arrays.copyOfRange(d, pos + 12, pos + 16);
            dst = Arrays.copyOfRange(d, pos + 16, pos + 20);
        } else if (type == 0x86DD && d.length >= pos + 40 && (d[pos] & 0xF0) == 0x60) {
            src = Arrays.copyOfRange(d, pos + 8, pos + 24);
            dst = Arrays.copyOfRange(d, pos + 24, pos + 40);
        } else {
            return "misc_non-ip";
        }
        if (Arrays.equals(src, TestPcaps.addr("10.1.0.2")) || Arrays.equals(dst, TestPcaps.addr("10.1.0.2"))) {
            return "plc2";
        }
        byte[] ot6 = TestPcaps.addr("fd00::1");
        if (Arrays.equals(src, ot6) || Arrays.equals(dst, ot6)) {
            return "ot6";
        }
        return "misc_" + (src.length == 4 ? (src[0] & 0xFF) + "." + (src[1] & 0xFF) + "." + (src[2] & 0xFF) + "."
                + (src[3] & 0xFF) : rfc5952(src).replace(':', '-'));
    }

    /** IPv6 text per RFC 5952: lower-case hex, the first longest run of 2+ zero groups as "::". */
    static String rfc5952(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = u16(a, 2 * i);
        }
        int best = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
        }
        List<String> head = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (best < 0 || i < best) {
                head.add(Integer.toHexString(g[i]));
            } else if (i >= best + bestLen) {
                tail.add(Integer.toHexString(g[i]));
            }
        }
        return best < 0 ? String.join(":", head) : String.join(":", head) + "::" + String.join(":", tail);
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    /** Every .pcap file of {@code dir}, grouped by base name, parts in order. */
    static Map<String, List<Path>> outputs(Path dir) throws IOException {
        Map<String, TreeMap<Integer, Path>> parts = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                assertTrue(m.matches(), "unexpected file name " + f.getFileName());
                int part = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
                parts.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(part, f);
            }
        }
        Map<String, List<Path>> out = new LinkedHashMap<>();
        parts.forEach((k, v) -> out.put(k, new ArrayList<>(v.values())));
        return out;
    }

    /**
     * Checks that {@code dir} holds {@code runs} copies of {@code input}: every packet exactly
     * once per run, byte for byte with timestamp, orig_len and link type, in the file its
     * prefix and hour name, in input order within each file.
     */
    static void assertStored(List<Packet> input, Path dir, int runs) throws IOException {
        Map<String, List<Packet>> expected = new TreeMap<>();
        for (int r = 0; r < runs; r++) {
            for (Packet p : input) {
                expected.computeIfAbsent(base(p) + "/link" + p.linkType(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<String, List<Packet>> actual = new TreeMap<>();
        for (Map.Entry<String, List<Path>> e : outputs(dir).entrySet()) {
            for (Path f : e.getValue()) {
                TestPcaps.PcapFile file = TestPcaps.read(f);
                actual.computeIfAbsent(e.getKey() + "/link" + file.linkType(), k -> new ArrayList<>())
                        .addAll(file.packets());
            }
        }
        assertEquals(expected.keySet(), actual.keySet(), "files (base name / link type)");
        for (String k : expected.keySet()) {
            List<Packet> want = expected.get(k);
            List<Packet> got = actual.get(k);
            assertEquals(want.size(), got.size(), k + ": packet count");
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i), got.get(i), k + ": packet " + i);
            }
        }
    }
}
