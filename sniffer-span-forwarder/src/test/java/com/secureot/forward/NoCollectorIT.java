package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A replay with nobody listening ends on its own, exit 75, one line counting what was not forwarded. */
class NoCollectorIT {
    @TempDir
    static Path shared;
    static Path input;

    @BeforeAll
    static void generate() throws Exception {
        input = Fixtures.generatedNanoCapture(shared, 5000);
    }

    @Test
    void tcpReplayWithoutCollectorExits75AndCountsEveryPacketNotConnected(@TempDir Path dir) throws Exception {
        List<PcapRecords.Packet> expected = PcapRecords.read(input);
        Path out = dir.resolve("out");
        Path cfg = Fixtures.config(dir, "f.yaml", "lo", out, Fixtures.tcpForward(FreePorts.tcp()));
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString(),
                "--read-file", input.toString())) {
            assertEquals(75, fwd.awaitExit(120), fwd.log());
            String n = String.valueOf(expected.size());
            fwd.awaitLine("error: " + n + " of " + n + " packets were not forwarded (not_connected=" + n
                    + "); the local files are complete", 1);
            assertEquals(expected.size(), fwd.finalFigure("written"));
        }
        assertEquals(expected.size(), Fixtures.localPackets(out).size(), "packets in the local files");
    }

    @Test
    void udpReplayToAClosedPortExits75WithSendErrorsCounted(@TempDir Path dir) throws Exception {
        List<PcapRecords.Packet> expected = PcapRecords.read(input);
        Path out = dir.resolve("out");
        Path cfg = Fixtures.config(dir, "f.yaml", "lo", out, "enable: true\nhost: \"127.0.0.1\"\nport: "
                + FreePorts.tcp() + "\nprotocol: \"udp\"\n");
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString(),
                "--read-file", input.toString())) {
            assertEquals(75, fwd.awaitExit(120), fwd.log());
            long errors = fwd.finalFigure("fwd_dropped_send_error");
            assertTrue(errors > 0, fwd.log());
            // The datagrams the kernel accepted count as sent: UDP can know nothing more.
            assertEquals(expected.size(), fwd.finalFigure("sent") + errors);
            String last = fwd.lastLine("final: ");
            assertFalse(last.contains(" connected=") || last.contains(" connects=") || last.contains(" forwarded="),
                    "UDP has no connection to report: " + last);
            fwd.awaitLine("error: " + errors + " of " + expected.size() + " packets were not forwarded (send_error="
                    + errors + ")", 1);
        }
        assertEquals(expected.size(), Fixtures.localPackets(out).size(), "packets in the local files");
    }
}
