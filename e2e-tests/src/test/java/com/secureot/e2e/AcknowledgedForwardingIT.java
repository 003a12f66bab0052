package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SOT2 end to end with the real jars: the collector frozen (SIGSTOP/SIGCONT), killed with
 * {@code kill -9} and restarted during a paced replay; a long outage with a spool too small for
 * it; the forwarder killed with {@code kill -9} while it captures live on a veth pair. The collector's files must then hold every packet of the input exactly once (or every packet
 * the forwarder did not count as dropped), and the counters must add up to every packet. Faults
 * are placed by progress (packets the collector counted), not by sleeps.
 */
class AcknowledgedForwardingIT {
    @TempDir
    Path dir;

    private Path forwarderConfig(String name, int port, int spoolMb, int drainSeconds) throws IOException {
        Path config = dir.resolve(name);
        Files.writeString(config, ForwarderYaml.replayTo(dir.resolve("forwarder-out"), 64, port, "tcp")
                + ForwarderYaml.sot2Spooled(dir.resolve("spool"), spoolMb, drainSeconds));
        return config;
    }

    private Path generate(String name, int packets, int maxSize, long seed) throws Exception {
        Path capture = dir.resolve(name);
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                "--hours", "1", "--max-size", String.valueOf(maxSize), "--seed", String.valueOf(seed), "--nano",
                capture.toString());
        return capture;
    }

    @Test
    void aCollectorFrozenThenKilledAndRestartedDuringAPacedReplayEndsWithEveryPacketOnce() throws Exception {
        Path capture = generate("in.pcap", 40_000, 600, 21);
        List<Packet> input = TestPcaps.read(capture).packets();
        long first = input.get(0).sec() * 1_000_000_000L + input.get(0).nanos();
        Packet lastP = input.get(input.size() - 1);
        long spanNanos = lastP.sec() * 1_000_000_000L + lastP.nanos() - first;
        double speed = Math.max(1, spanNanos / 8e9); // the replay lasts about 8 s
        try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp())) {
            collector.start();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(), "--replay-speed",
                    String.valueOf(speed), forwarderConfig("f.yaml", collector.port, 256, 120).toString())) {
                collector.awaitReceived(input.size() / 10, 120);
                DaemonRun.command("kill", "-STOP", String.valueOf(collector.pid()));
                Thread.sleep(5000); // the fault itself is the 5 s freeze
                DaemonRun.command("kill", "-CONT", String.valueOf(collector.pid()));
                collector.awaitReceived(input.size() / 2, 120);
                collector.daemon.close(); // kill -9
                fwd.awaitLine("connection to tcp 127.0.0.1:" + collector.port + " lost", 60);
                collector.start();
                assertEquals(0, fwd.awaitExit(300), "forwarder exit status; log:\n" + fwd.log());
                assertEquals(input.size(), fwd.finalFigure("captured"), fwd.lastLine("final: "));
                assertEquals(input.size(), fwd.finalFigure("forwarded"), "every packet acknowledged: "
                        + fwd.lastLine("final: "));
                assertEquals(0, fwd.finalFigure("fwd_backlog"));
                for (String r : List.of("queue_full", "not_connected", "send_error", "spool_full", "spool_error")) {
                    assertEquals(0, fwd.finalFigure("fwd_dropped_" + r), r + ": " + fwd.lastLine("final: "));
                }
                assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
                assertEquals(0, collector.finalTotal("sot2_skipped"));
                System.err.println("forwarder:\n" + fwd.log() + "\nrestarted collector:\n" + collector.daemon.log());
            }
            StoredPackets.assertSameMultiset(input, StoredPackets.all(collector.out), "the collector's files");
        }
    }

    @Test
    void aLongOutageWithASmallSpoolDropsTheOldestCountedAndDeliversTheRestOnce() throws Exception {
        // ~40 MiB of packets into a 16 MiB spool while no collector listens.
        Path capture = generate("big.pcap", 40_000, 1400, 22);
        Path small = generate("small.pcap", 500, 600, 23);
        List<Packet> input = TestPcaps.read(capture).packets();
        List<Packet> later = TestPcaps.read(small).packets();
        int port = FreePorts.tcp();
        long spoolFull;
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                forwarderConfig("f1.yaml", port, 16, 1).toString())) {
            assertEquals(75, fwd.awaitExit(300), "exit status: not all acknowledged; log:\n" + fwd.log());
            assertTrue(fwd.log().contains("they stay in the spool"), fwd.log());
            spoolFull = fwd.finalFigure("fwd_dropped_spool_full");
            assertTrue(spoolFull > input.size() / 3, fwd.lastLine("final: "));
            assertEquals(input.size(), spoolFull + fwd.finalFigure("fwd_backlog"), fwd.lastLine("final: "));
            assertEquals(0, fwd.finalFigure("forwarded"));
        }
        try (RestartableCollector collector = new RestartableCollector(dir, port)) {
            collector.start();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", small.toString(),
                    forwarderConfig("f2.yaml", port, 16, 120).toString())) {
                assertEquals(0, fwd.awaitExit(300), "the second run delivers the spool; log:\n" + fwd.log());
                assertEquals(input.size() - spoolFull + later.size(), fwd.finalFigure("forwarded"),
                        fwd.lastLine("final: "));
                assertEquals(input.size() - spoolFull, fwd.finalFigure("fwd_resent"), fwd.lastLine("final: "));
            }
            assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
            assertEquals(spoolFull, collector.finalTotal("sot2_skipped"), "the collector names the gap");
            assertEquals(0, collector.finalTotal("sot2_duplicates"));
            List<Packet> expected = new ArrayList<>(input.subList((int) spoolFull, input.size()));
            expected.addAll(later);
            List<Packet> got = StoredPackets.all(collector.out);
            got.sort(Comparator.comparingLong(p -> p.sec() * 1_000_000_000L + p.nanos()));
            StoredPackets.assertSameMultiset(expected, got, "the collector's files: the packets the spool kept, and the later run's");
        }
    }

    private static boolean rootWithTcpreplay() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim())
                    && new ProcessBuilder("tcpreplay", "-V").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The records of a pcap file up to a record cut by a kill (the writer's tail may be torn). */
    private static List<Packet> readUpToTear(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        if (b.length < 24) {
            return List.of();
        }
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int pos = 24;
        while (pos + 16 <= b.length && pos + 16 + bb.getInt(pos + 8) <= b.length) {
            pos += 16 + bb.getInt(pos + 8);
        }
        return TestPcaps.read(java.util.Arrays.copyOf(b, pos), f.toString()).packets();
    }

    @Test
    void aForwarderKilledDuringLiveCaptureAndRestartedLeavesNoPacketTwiceAndLosesNoneItStored() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(rootWithTcpreplay(), "needs root and tcpreplay");
        Path first = generate("live1.pcap", 6000, 600, 31);
        Path second = generate("live2.pcap", 2000, 600, 32);
        List<Packet> sent1 = TestPcaps.read(first).packets();
        List<Packet> sent2 = TestPcaps.read(second).packets();
        String a = "akfwa";
        String b = "akfwb";
        new ProcessBuilder("ip", "link", "del", a).start().waitFor();
        DaemonRun.command("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        try {
            for (String i : new String[] {a, b}) {
                DaemonRun.command("sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
                DaemonRun.command("ip", "link", "set", i, "up");
            }
            Path config = forwarderConfig("live.yaml", 0, 256, 60);
            try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp())) {
                collector.start();
                Files.writeString(config, Files.readString(config).replace("interface: \"unused\"", "interface: \"" + b
                        + "\"").replace("port: 0\n", "port: " + collector.port + "\n"));
                Path local = dir.resolve("forwarder-out");
                DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, config.toString());
                fwd.awaitLine("capturing on " + b, 60);
                fwd.awaitLine("connected to tcp 127.0.0.1:" + collector.port, 60);
                Process replay = new ProcessBuilder("tcpreplay", "-q", "-i", a, "--pps", "3000", first.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                collector.awaitReceived(sent1.size() / 3, 60);
                fwd.close(); // kill -9 while it captures
                assertEquals(0, replay.waitFor(), "tcpreplay");
                long capturedAfterRestart;
                try (DaemonRun again = DaemonRun.start(DaemonJar.FORWARDER, config.toString())) {
                    again.awaitLine("capturing on " + b, 60);
                    again.awaitLine("connected to tcp 127.0.0.1:" + collector.port, 60);
                    DaemonRun.command("tcpreplay", "-q", "-i", a, "--pps", "3000", second.toString());
                    assertEquals(0, again.stop(120), "SIGTERM: flushed, every packet acknowledged; log:\n" + again.log());
                    assertEquals(0, again.finalFigure("fwd_backlog"), again.lastLine("final: "));
                    long captured = again.finalFigure("captured");
                    capturedAfterRestart = captured;
                    assertEquals(captured, again.finalFigure("written"));
                    assertTrue(again.finalFigure("forwarded") >= captured, "acknowledged: this run's packets and what "
                            + "the killed run left in the spool: " + again.lastLine("final: "));
                }
                assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
                List<Packet> central = StoredPackets.all(collector.out);
                List<Packet> localPackets = new ArrayList<>();
                try (Stream<Path> s = Files.list(local)) {
                    for (Path f : s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList()) {
                        localPackets.addAll(readUpToTear(f));
                    }
                }
                Map<Packet, Integer> centralCount = new HashMap<>();
                for (Packet p : central) {
                    centralCount.merge(p, 1, Integer::sum);
                }
                long twice = centralCount.values().stream().filter(n -> n > 1).count();
                assertEquals(0, twice, "packets stored twice at the collector");
                long missing = localPackets.stream().filter(p -> !centralCount.containsKey(p)).count();
                assertEquals(0, missing, "packets in the sensor's local files missing at the collector (of "
                        + localPackets.size() + ")");
                java.util.Set<Packet> input = new java.util.HashSet<>(sent1);
                input.addAll(sent2);
                // The generated frames carry their own timestamps only in the file: compare frames.
                java.util.Set<String> frames = new java.util.HashSet<>();
                for (Packet p : input) {
                    frames.add(java.util.HexFormat.of().formatHex(p.data()));
                }
                assertTrue(central.stream().allMatch(p -> frames.contains(java.util.HexFormat.of().formatHex(p.data()))),
                        "every packet at the collector was injected");
                java.util.Set<String> centralFrames = new java.util.HashSet<>();
                for (Packet p : central) {
                    centralFrames.add(java.util.HexFormat.of().formatHex(p.data()));
                }
                // Everything the restarted forwarder captured (only the second capture was injected while
                // it ran; a packet sent before its capture was armed is in neither copy) is at the collector.
                long secondAtCollector = sent2.stream().filter(p -> centralFrames.contains(
                        java.util.HexFormat.of().formatHex(p.data()))).count();
                assertEquals(capturedAfterRestart, secondAtCollector, "packets the restarted forwarder captured, "
                        + "at the collector");
                // What the killed run captured but had not written to its local files yet (its buffers)
                // may be at the collector only: the spool had it. Never the other way round.
                assertTrue(central.size() >= localPackets.size(), central.size() + " central, " + localPackets.size()
                        + " local");
            }
        } finally {
            new ProcessBuilder("ip", "link", "del", a).start().waitFor();
        }
    }
}
