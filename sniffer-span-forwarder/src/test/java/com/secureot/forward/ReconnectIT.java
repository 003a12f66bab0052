package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live on a veth pair: the collector is absent at start, then started, then killed and started
 * again. Forwarding resumes without restarting the forwarder and what was lost is counted.
 */
class ReconnectIT {
    @Test
    void forwardingResumesAfterTheCollectorRestartsAndTheGapIsCounted(@TempDir Path dir) throws Exception {
        assumeTrue(Fixtures.isRoot() && Fixtures.hasTool("tcpreplay"), "needs root and tcpreplay");
        Path a = Fixtures.generatedCapture(dir, "a.pcap", 100, 11);
        Path b = Fixtures.generatedCapture(dir, "b.pcap", 300, 12);
        Path c = Fixtures.generatedCapture(dir, "c.pcap", 200, 13);
        Path d = Fixtures.generatedCapture(dir, "d.pcap", 2000, 14);
        List<PcapRecords.Packet> pb = PcapRecords.read(b);
        List<PcapRecords.Packet> pd = PcapRecords.read(d);
        List<PcapRecords.Packet> all = new ArrayList<>();
        for (Path p : List.of(a, b, c, d)) {
            all.addAll(PcapRecords.read(p));
        }
        int port = FreePorts.tcp();
        Path out = dir.resolve("out");
        Path saved = Files.createDirectory(dir.resolve("collector"));
        try (Veth veth = new Veth("fwd6a", "fwd6b");
             DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER,
                     Fixtures.config(dir, "f.yaml", "fwd6b", out, Fixtures.tcpForward(port)).toString())) {
            fwd.awaitLine("capturing on fwd6b", 60);
            fwd.awaitLine("cannot connect to tcp 127.0.0.1:" + port, 30);
            veth.inject(a); // collector absent: counted as not connected

            Path first;
            try (StreamSaver collector = new StreamSaver(saved, port)) {
                first = collector.awaitConnection(1, 30);
                veth.inject(b);
                Fixtures.awaitSize(first, Fixtures.streamBytes(pb), 60);
            } // killed
            fwd.awaitLine("connection to tcp 127.0.0.1:" + port + " lost", 30);
            veth.inject(c); // in the gap

            Path second;
            List<Path> streams;
            try (StreamSaver collector = new StreamSaver(Files.createDirectory(dir.resolve("collector2")), port)) {
                second = collector.awaitConnection(1, 30);
                veth.inject(d);
                Fixtures.awaitSize(second, Fixtures.streamBytes(pd), 60);
                assertEquals(0, fwd.stop(60), fwd.log());
                streams = collector.awaitStreamsEnded();
            }
            assertEquals(1, streams.size());

            // Each connection is a valid pcap stream holding the packets sent while it was up.
            List<PcapRecords.Packet> got1 = PcapRecords.read(Files.readAllBytes(first), true);
            List<PcapRecords.Packet> got2 = PcapRecords.read(second);
            assertEndsWith(pb, got1, "first connection");
            assertEndsWith(pd, got2, "second connection");

            long captured = fwd.finalFigure("captured");
            assertEquals(all.size(), captured, fwd.log());
            assertEquals(captured, fwd.finalFigure("written"));
            assertEquals(2, fwd.finalFigure("connects"));
            assertEquals(got1.size() + got2.size(), fwd.finalFigure("forwarded"), fwd.log());
            long notConnected = fwd.finalFigure("fwd_dropped_not_connected");
            long sendErrors = fwd.finalFigure("fwd_dropped_send_error");
            assertTrue(notConnected >= 1, fwd.log());
            // Every captured packet is either forwarded or counted with its reason.
            assertEquals(captured, fwd.finalFigure("forwarded") + notConnected + sendErrors
                    + fwd.finalFigure("fwd_dropped_queue_full") + fwd.finalFigure("fwd_dropped_link_type_mismatch"));
            assertEquals(Fixtures.frames(all), Fixtures.frames(Fixtures.localPackets(out)), "local files");
        }
    }

    private static void assertEndsWith(List<PcapRecords.Packet> expected, List<PcapRecords.Packet> got, String what) {
        assertTrue(got.size() >= expected.size(), what + ": " + got.size() + " packets, expected at least "
                + expected.size());
        int off = got.size() - expected.size();
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(expected.get(i).sameFrameAs(got.get(off + i)), what + ": packet " + (off + i));
        }
    }
}
