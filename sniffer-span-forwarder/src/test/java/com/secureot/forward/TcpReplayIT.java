package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

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
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString(),
                    "--read-file", input.toString())) {
                assertEquals(0, fwd.awaitExit(300), fwd.log());
                assertEquals(expected.size(), fwd.finalFigure("forwarded"), fwd.log());
            }
            List<Path> streams = collector.awaitStreamsEnded();
            assertEquals(1, streams.size(), "one long-lived connection");
            PcapRecords.assertSame(expected, PcapRecords.read(streams.get(0)), "saved stream of " + input);
            if (Fixtures.hasTool("tshark")) {
                DaemonRun.command("tshark", "-r", streams.get(0).toString(), "-q");
            }
        }
        assumeTrue(Files.exists(DaemonJar.SPAN_PCAP), "sniffer-span-pcap jar not built");
        Path spanCfg = Fixtures.config(dir, "span.yaml", "lo", spanOut, null);
        try (DaemonRun span = DaemonRun.start(DaemonJar.SPAN_PCAP, spanCfg.toString(),
                "--read-file", input.toString())) {
            assertEquals(0, span.awaitExit(300), span.log());
        }
        Fixtures.assertSameFiles(spanOut, fwdOut);
        assertEquals(expected.size(), Fixtures.localPackets(fwdOut).size(), "packets in the local files");
    }
}
