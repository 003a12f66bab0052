package com.secureot.span;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Interface;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replays captures through the built jar and compares every stored packet with the input. */
class SpanPcapReplayIT {
    @TempDir
    Path work;

    static Path config(Path work, Path out, String extra) throws IOException {
        Path c = work.resolve("config-" + out.getFileName() + ".yaml");
        Files.writeString(c, """
                capture:
                  interface: "eth0"
                  bpf_filter: "tcp port 502 or tcp port 102"
                """ + ExpectedFiles.RULES + """
                output_directories:
                  pcap_raw_output_path: "%s"
                rotation:
                  timezone: UTC
                """.formatted(out) + extra);
        return c;
    }

    private SpanDaemon.Result replay(Path input, Path out) throws Exception {
        SpanDaemon.Result r = SpanDaemon.run(work, config(work, out, "").toString(), "-r", input.toString());
        assertEquals(0, r.exit(), r.all());
        return r;
    }

    /** The final summary says every packet was written and none is left in flight. */
    private static void assertAllWritten(SpanDaemon.Result r, int packets) {
        String fin = r.stderr().lines().filter(l -> l.contains("final: ")).findFirst().orElseThrow(
                () -> new AssertionError("no final summary line\n" + r.all()));
        assertTrue(fin.contains(" captured=" + packets + " "), fin);
        assertTrue(fin.contains(" written=" + packets + " "), fin);
        assertTrue(fin.contains(" in_flight=0 "), fin);
    }

    private static void assertTsharkReadsEveryFile(Path out) throws Exception {
        if (!SpanDaemon.tsharkInstalled()) {
            return;
        }
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
                SpanDaemon.Result t = SpanDaemon.tshark(f);
                assertEquals(0, t.exit(), f + ": " + t.stdout());
            }
        }
    }

    /**
     * Sub-second fields at the edge of and beyond their range (up to 0xFFFFFFFF), in a microsecond
     * and a nanosecond capture: every record is stored byte for byte as it came (compared as
     * bytes: tshark may refuse such timestamps), in the file of its seconds' hour.
     */
    @ParameterizedTest(name = "nanosecond capture: {0}")
    @ValueSource(booleans = {false, true})
    void recordsWithOutOfRangeFractionsAreStoredAsTheyCame(boolean nano) throws Exception {
        byte[] input = TestPcaps.oddFractions(nano);
        Path in = Files.write(work.resolve("odd.pcap"), input);
        Path out = work.resolve("odd-out");
        Path config = work.resolve("odd.yaml");
        Files.writeString(config, """
                capture:
                  interface: "eth0"
                routing_rules: []
                default_output_prefix: "odd"
                output_directories:
                  pcap_raw_output_path: "%s"
                rotation:
                  timezone: UTC
                """.formatted(out));
        SpanDaemon.Result r = SpanDaemon.run(work, config.toString(), "-r", in.toString());
        assertEquals(0, r.exit(), r.all());
        assertAllWritten(r, TestPcaps.ODD_FRACTIONS.length);
        assertEquals(TestPcaps.sortedRecords(input), TestPcaps.recordsUnder(out));
        assertEquals(nano, TestPcaps.nanoUnder(out));
        try (Stream<Path> files = Files.list(out)) {
            // 1 700 000 000 + 0..4 s: one hour, whatever the fractions say.
            assertEquals(List.of("odd_20231114_22.pcap"), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    static List<Path> sharedCaptures() throws IOException {
        Path dir = Path.of(System.getProperty("shared.pcaps", "../shared/pcaps"));
        TestPcaps.assumeRealCaptures(Files.isDirectory(dir), "no folder " + dir.toAbsolutePath());
        try (Stream<Path> l = Files.list(dir)) {
            return l.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
    }

    @Test
    void replaysEverySharedCaptureIntoTheFilesNamedByRoutingAndHour() throws Exception {
        List<Path> captures = sharedCaptures();
        assertTrue(captures.size() >= 1);
        for (Path in : captures) {
            Path out = work.resolve("out-" + in.getFileName());
            TestPcaps.PcapFile input = TestPcaps.read(in);
            SpanDaemon.Result r = replay(in, out);
            ExpectedFiles.assertStored(input.packets(), out, 1);
            assertAllWritten(r, input.packets().size());
            try (Stream<Path> files = Files.list(out)) {
                for (Path f : files.toList()) {
                    TestPcaps.PcapFile o = TestPcaps.read(f);
                    assertEquals(input.nano(), o.nano(), f.toString());
                    assertEquals(input.snaplen(), o.snaplen(), f.toString());
                }
            }
            assertTsharkReadsEveryFile(out);
        }
    }

    /** Two hours, three hosts, IPv4, IPv6, VLAN, QinQ and non-IP frames, nanosecond timestamps. */
    static List<Packet> generated() {
        return TestPcaps.mixedTraffic(1_718_000_000L, 30_000, 42);
    }

    @Test
    void replaysAGeneratedNanosecondCaptureByteForByte() throws Exception {
        List<Packet> traffic = generated();
        Path in = TestPcaps.writePcap(work.resolve("generated.pcap"), traffic, true);
        Path out = work.resolve("out");
        SpanDaemon.Result r = replay(in, out);
        ExpectedFiles.assertStored(traffic, out, 1);
        assertAllWritten(r, traffic.size());
        List<String> names;
        try (Stream<Path> l = Files.list(out)) {
            names = l.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String expected : List.of("plc2_20240610_06.pcap", "ot6_20240610_07.pcap", "misc_non-ip_20240610_08.pcap",
                "misc_fd00-7--3_20240610_06.pcap", "misc_fd00--2_20240610_07.pcap", "misc_192.168.7.3_20240610_08.pcap")) {
            assertTrue(names.contains(expected), expected + " in " + names);
        }
        assertTsharkReadsEveryFile(out);
    }

    @Test
    void replaysAPcapngWithTwoLinkTypesIntoFilesOfTheirOwnLinkType() throws Exception {
        List<Packet> mixed = new ArrayList<>();
        List<Packet> traffic = generated().subList(0, 4000);
        for (int i = 0; i < traffic.size(); i++) {
            Packet p = traffic.get(i);
            if (i % 3 != 0) {
                mixed.add(p);
            } else {
                byte[] ip = TestPcaps.ipv4(i % 2 == 0 ? "10.1.0.2" : "172.16.0." + i % 200, "10.1.0.9",
                        TestPcaps.payload(40 + i % 100, i));
                mixed.add(new Packet(TestPcaps.RAW, p.sec(), p.nanos(), ip.length, ip));
            }
        }
        Path in = work.resolve("two-links.pcapng");
        Files.write(in, TestPcaps.pcapng(List.of(new Interface(1, 262144, 9), new Interface(101, 262144, 9)), mixed,
                ByteOrder.BIG_ENDIAN));
        Path out = work.resolve("out");
        SpanDaemon.Result r = replay(in, out);
        ExpectedFiles.assertStored(mixed, out, 1);
        assertAllWritten(r, mixed.size());
        assertTsharkReadsEveryFile(out);
    }

    @Test
    void replayingTheSameFileTwiceKeepsBothCopies() throws Exception {
        List<Packet> traffic = generated().subList(0, 5000);
        Path in = TestPcaps.writePcap(work.resolve("twice.pcap"), traffic, true);
        Path out = work.resolve("out");
        replay(in, out);
        replay(in, out);
        ExpectedFiles.assertStored(traffic, out, 2);
        try (Stream<Path> l = Files.list(out)) {
            List<String> names = l.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.contains("plc2_20240610_06.pcap") && names.contains("plc2_20240610_06-1.pcap"),
                    names.toString());
        }
        assertTsharkReadsEveryFile(out);
    }

    @Test
    void aTruncatedCaptureStoresEveryWholePacketAndWarns() throws Exception {
        List<Packet> traffic = generated().subList(0, 1000);
        byte[] bytes = TestPcaps.pcap(traffic, true, ByteOrder.LITTLE_ENDIAN, 1, 262144);
        Path in = work.resolve("cut.pcap");
        Files.write(in, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        Path out = work.resolve("out");
        SpanDaemon.Result r = replay(in, out);
        ExpectedFiles.assertStored(traffic.subList(0, 999), out, 1);
        assertTrue(r.stderr().contains("cut short"), r.all());
    }
}
