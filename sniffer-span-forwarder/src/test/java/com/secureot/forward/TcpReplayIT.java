package com.secureot.forward;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Replays captures through the forwarder to a plain socket that saves the PCAP-over-IP stream. */
class TcpReplayIT {
    @TempDir
    static Path shared;
    static Path generated;

    @BeforeAll
    static void generate() throws Exception {
        generated = Fixtures.generatedNanoCapture(shared, 20_000);
    }

    static List<Path> captures() throws Exception {
        List<Path> all = new ArrayList<>(Fixtures.sharedCaptures());
        all.add(Path.of("GENERATED"));
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void replayOverTcpDeliversEveryPacketExactlyAndStoresWhatSnifferSpanPcapStores(Path capture, @TempDir Path dir)
            throws Exception {
        Path input = capture.toString().equals("GENERATED") ? generated : capture;
        List<PcapRecords.Packet> expected = PcapRecords.read(input);
        Path fwdOut = dir.resolve("forwarder-files");
        Path spanOut = dir.resolve("span-pcap-files");
        try (StreamSaver collector = new StreamSaver(Files.createDirectory(dir.resolve("collector")), 0)) {
            Path cfg = Fixtures.config(dir, "forwarder.yaml", "lo", fwdOut, Fixtures.tcpForward(collector.port()));
            try (DaemonProcess fwd = DaemonProcess.start(DaemonProcess.FORWARDER_JAR, cfg.toString(),
                    "--read-file", input.toString())) {
                assertEquals(0, fwd.exitCode(300), fwd.stderr());
                assertEquals(expected.size(), fwd.finalFigure("forwarded"), fwd.stderr());
            }
            List<Path> streams = collector.awaitStreamsEnded();
            assertEquals(1, streams.size(), "one long-lived connection");
            PcapRecords.assertSame(expected, PcapRecords.read(streams.get(0)), "saved stream of " + input);
            if (Fixtures.hasTool("tshark")) {
                Fixtures.run("tshark", "-r", streams.get(0).toString(), "-q");
            }
        }
        assumeTrue(Files.exists(DaemonProcess.SPAN_PCAP_JAR), "sniffer-span-pcap jar not built");
        Path spanCfg = Fixtures.config(dir, "span.yaml", "lo", spanOut, null);
        try (DaemonProcess span = DaemonProcess.start(DaemonProcess.SPAN_PCAP_JAR, spanCfg.toString(),
                "--read-file", input.toString())) {
            assertEquals(0, span.exitCode(300), span.stderr());
        }
        Fixtures.assertSameFiles(spanOut, fwdOut);
        assertEquals(expected.size(), Fixtures.localPackets(fwdOut).size(), "packets in the local files");
    }
}
