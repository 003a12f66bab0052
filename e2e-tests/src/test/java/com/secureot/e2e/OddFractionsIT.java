package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.TestPcaps;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Records whose sub-second field is at the edge of or beyond its range (999 999, 10^6, 4 294 967,
 * 4 294 968 and 0xFFFFFFFF, in a microsecond and in a nanosecond capture) replayed by the
 * forwarder jar into the collector jar over PCAP-over-IP, SOT2 and SOT1: the forwarder's own files
 * and the collector's hold every record byte for byte as the input has it (timestamp fields,
 * lengths and data). Compared as bytes: tshark may refuse such timestamps.
 */
class OddFractionsIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} capture over {1}")
    @CsvSource({"micro, tcp", "nano, tcp", "micro, sot2", "nano, sot2", "micro, udp", "nano, udp"})
    void everyRecordIsStoredAsItCame(String precision, String protocol) throws Exception {
        boolean nano = "nano".equals(precision);
        byte[] input = TestPcaps.oddFractions(nano);
        Path capture = Files.write(dir.resolve("odd.pcap"), input);
        int packets = TestPcaps.ODD_FRACTIONS.length;
        try (Collector collector = new Collector(dir, "udp".equals(protocol) ? "udp" : "tcp")) {
            Path config = dir.resolve("forwarder.yaml");
            Files.writeString(config, ForwarderYaml.replayTo(dir.resolve("forwarder-out"), 64, collector.port,
                    "udp".equals(protocol) ? "udp" : "tcp")
                    + ("sot2".equals(protocol) ? "  format: sot2\n  sensor_id: \"odd\"\n  spool:\n    directory: \""
                    + dir.resolve("spool") + "\"\n" : ""));
            try (DaemonRun forwarder = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                    config.toString())) {
                assertEquals(0, forwarder.awaitExit(120), "forwarder exit status; log:\n" + forwarder.log());
                assertEquals(packets, forwarder.finalFigure("written"), forwarder.lastLine("final: "));
                assertEquals(packets, forwarder.finalFigure("udp".equals(protocol) ? "sent" : "forwarded"),
                        forwarder.lastLine("final: "));
            }
            collector.awaitReceived(packets, 60);
            assertEquals(0, collector.stop(), "collector exit status; log:\n" + collector.log());

            assertEquals(TestPcaps.sortedRecords(input), TestPcaps.recordsUnder(dir.resolve("forwarder-out")),
                    "the forwarder's own files");
            assertEquals(nano, TestPcaps.nanoUnder(dir.resolve("forwarder-out")), "the forwarder's files' precision");
            List<String> expected = "udp".equals(protocol) ? sot1Stored(input, nano) : TestPcaps.sortedRecords(input);
            assertEquals(expected, TestPcaps.recordsUnder(collector.out), "the collector's files; log:\n"
                    + collector.log());
        }
    }

    /**
     * What the collector stores of SOT1 datagrams: an in-range timestamp travels as epoch
     * nanoseconds and is stored in a nanosecond file (a microsecond fraction times 1000), as
     * before; an out-of-range one travels as its fields and is stored as it came.
     */
    private static List<String> sot1Stored(byte[] input, boolean nano) {
        List<String> out = new ArrayList<>();
        for (byte[] r : TestPcaps.records(input)) {
            ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
            long f = b.getInt(4) & 0xFFFFFFFFL;
            if (!nano && f < 1_000_000) {
                b.putInt(4, (int) (f * 1000));
            }
            out.add(HexFormat.of().formatHex(r));
        }
        out.sort(null);
        return out;
    }
}
