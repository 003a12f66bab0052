package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Live on a veth pair at tcpreplay's top speed: every frame is stored locally and forwarded over TCP. */
class VethTopspeedIT {
    @Test
    void everyFrameInjectedAtTopSpeedIsStoredAndForwarded(@TempDir Path dir) throws Exception {
        assumeTrue(Fixtures.isRoot() && Fixtures.hasTool("tcpreplay"), "needs root and tcpreplay");
        Path input = Fixtures.generatedCapture(dir, "burst.pcap", 60_000, 5);
        List<PcapRecords.Packet> sent = PcapRecords.read(input);
        Path out = dir.resolve("out");
        try (Veth veth = new Veth("fwd5a", "fwd5b");
             StreamSaver collector = new StreamSaver(Files.createDirectory(dir.resolve("collector")), 0)) {
            Path cfg = Fixtures.config(dir, "f.yaml", veth.b, out, Fixtures.tcpForward(collector.port()));
            List<PcapRecords.Packet> forwarded = forwardEveryFrame(veth, collector, cfg, input, sent, null);
            assertEquals(sent.size(), forwarded.size());
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(true, sent.get(i).sameFrameAs(forwarded.get(i)), "forwarded frame " + i);
            }
            List<PcapRecords.Packet> local = Fixtures.localPackets(out);
            assertEquals(Fixtures.frames(sent), Fixtures.frames(local), "frames in the local files");
            // The forwarded copy carries the capture timestamps of the local copy.
            assertEquals(Fixtures.frames(local).size(), forwarded.size());
            java.util.Set<String> localStamps = new java.util.HashSet<>();
            for (PcapRecords.Packet p : local) {
                localStamps.add(p.sec() + "." + p.nanos() + "/" + java.util.Arrays.hashCode(p.data()));
            }
            for (PcapRecords.Packet p : forwarded) {
                assertEquals(true, localStamps.contains(p.sec() + "." + p.nanos() + "/"
                        + java.util.Arrays.hashCode(p.data())), "forwarded timestamp of " + p + " not stored");
            }
        }
    }

    /**
     * {@code capture.threads: 2}: the forwarding thread takes the batches of both capture threads;
     * every frame is stored and forwarded once (as a multiset: flows interleave across threads).
     */
    @Test
    void withTwoCaptureThreadsEveryFrameIsStoredAndForwardedOnce(@TempDir Path dir) throws Exception {
        assumeTrue(Fixtures.isRoot() && Fixtures.hasTool("tcpreplay"), "needs root and tcpreplay");
        Path input = Fixtures.generatedCapture(dir, "burst.pcap", 60_000, 6);
        List<PcapRecords.Packet> sent = PcapRecords.read(input);
        Path out = dir.resolve("out");
        try (Veth veth = new Veth("vffwa", "vffwb");
             StreamSaver collector = new StreamSaver(Files.createDirectory(dir.resolve("collector")), 0)) {
            Path cfg = Fixtures.config(dir, "f.yaml", veth.b, out, Fixtures.tcpForward(collector.port()));
            Files.writeString(cfg, Files.readString(cfg).replace("  queue_size_mb: 64\n",
                    "  queue_size_mb: 64\n  threads: 2\n"));
            List<PcapRecords.Packet> forwarded = forwardEveryFrame(veth, collector, cfg, input, sent,
                    "2 sockets in fanout group");
            assertEquals(Fixtures.frames(sent), Fixtures.frames(forwarded), "forwarded frames");
            assertEquals(Fixtures.frames(sent), Fixtures.frames(Fixtures.localPackets(out)), "frames in the local files");
        }
    }

    /**
     * Runs the forwarder on {@code cfg}, injects {@code input} at top speed, waits until the
     * collector holds every record, stops it and checks its counters; returns what was forwarded.
     *
     * @param openedLine a log line to see before the capture starts, or null
     */
    private static List<PcapRecords.Packet> forwardEveryFrame(Veth veth, StreamSaver collector, Path cfg, Path input,
                                                             List<PcapRecords.Packet> sent, String openedLine)
            throws Exception {
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString())) {
            if (openedLine != null) {
                fwd.awaitLine(openedLine, 60);
            }
            fwd.awaitLine("capturing on " + veth.b, 60);
            Path stream = collector.awaitConnection(1, 60);
            veth.inject(input);
            // Every record must reach the collector before the stop, else the stop would cut it.
            try {
                Fixtures.awaitSize(stream, Fixtures.streamBytes(sent), 60);
            } catch (AssertionError e) {
                fwd.stop(60);
                throw new AssertionError(e.getMessage() + "; forwarder:\n" + fwd.log(), e);
            }
            assertEquals(0, fwd.stop(60), fwd.log());
            assertEquals(sent.size(), fwd.finalFigure("captured"), fwd.log());
            assertEquals(sent.size(), fwd.finalFigure("written"), fwd.log());
            assertEquals(sent.size(), fwd.finalFigure("forwarded"), fwd.log());
            assertEquals(0, fwd.finalFigure("kernel_dropped"), fwd.log());
        }
        return PcapRecords.read(collector.awaitStreamsEnded().get(0));
    }
}
