package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestCa;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SOT2 inside mutual TLS with the real jars and certificates {@code openssl} made: a replay is
 * stored exactly and named by the sensor's certificate (not by the sensor id its hello gives); a
 * collector killed with {@code kill -9} and restarted mid-replay ends with every packet once; a
 * SOT2 sender without TLS on the TLS port is refused and stores nothing.
 */
class AcknowledgedTlsIT {
    @TempDir
    static Path shared;
    static TestCa ca;
    static TestCa.Issued probe;
    static TestCa.Issued server;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCa.create(shared.resolve("ca"), "secureot sot2 CA");
        probe = ca.client("probe-a.site1");
        server = ca.server("127.0.0.1");
    }

    /** TLS on the collector's TCP port: plaintext is not served there. */
    static String collectorTls() {
        return "tls:\n"
                + "  enable: true\n"
                + "  certificate_file: \"" + server.cert() + "\"\n"
                + "  private_key_file: \"" + server.key() + "\"\n"
                + "  client_ca_file: \"" + ca.caCert + "\"\n"
                + "  allowed_clients: [\"*.site1\"]\n";
    }

    /** A SOT2 forwarder calling itself plant-7; with {@code tls}, its certificate says probe-a.site1. */
    private Path forwarderConfig(String name, int port, boolean tls, int drainSeconds) throws IOException {
        Path config = dir.resolve(name);
        Files.writeString(config, ForwarderYaml.replayTo(dir.resolve("forwarder-out"), 64, port, "tcp")
                + ForwarderYaml.sot2Spooled(dir.resolve("spool-" + name), 256, drainSeconds)
                + (tls ? "  tls:\n"
                + "    enable: true\n"
                + "    ca_file: \"" + ca.caCert + "\"\n"
                + "    certificate_file: \"" + probe.cert() + "\"\n"
                + "    private_key_file: \"" + probe.key() + "\"\n" : ""));
        return config;
    }

    private Path generate(String name, int packets, long seed) throws Exception {
        Path capture = dir.resolve(name);
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                "--hours", "1", "--max-size", "1000", "--seed", String.valueOf(seed), "--nano", capture.toString());
        return capture;
    }

    private static List<Path> files(Path out) throws IOException {
        if (!Files.exists(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        }
    }

    @Test
    void aSot2ReplayOverMutualTlsIsStoredExactlyNamedByTheCertificateNotTheHello() throws Exception {
        Path capture = generate("in.pcap", 20_000, 41);
        List<Packet> input = TestPcaps.read(capture).packets();
        try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp(), "remote_{sender_name}",
                collectorTls())) {
            collector.start();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                    forwarderConfig("f.yaml", collector.port, true, 120).toString())) {
                assertEquals(0, fwd.awaitExit(300), fwd.log());
                assertEquals(input.size(), fwd.finalFigure("forwarded"), "every packet acknowledged: "
                        + fwd.lastLine("final: "));
                assertEquals(0, fwd.finalFigure("fwd_backlog"), fwd.lastLine("final: "));
                assertTrue(fwd.log().contains("as sensor probe-a.site1 (SOT2 over mutual TLS, collector verified as "
                        + "127.0.0.1"), fwd.log());
                assertTrue(fwd.log().contains("knows this sensor as probe-a.site1 (its TLS certificate's name), not "
                        + "as forward.sensor_id plant-7"), fwd.log());
            }
            assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
            String log = collector.daemon.log();
            assertEquals(1, log.lines().filter(l -> l.contains("the SOT2 hello names the sensor plant-7, its client "
                    + "certificate probe-a.site1")).count(), log);
            assertEquals(input.size(), collector.finalTotal("sot2_records"), collector.daemon.lastLine("final: "));
            List<Path> stored = files(collector.out);
            assertTrue(!stored.isEmpty() && stored.stream().allMatch(f -> f.getFileName().toString()
                    .startsWith("remote_probe-a.site1_")), stored.toString());
            List<Packet> got = new java.util.ArrayList<>();
            for (Path f : stored) {
                got.addAll(TestPcaps.read(f).packets());
            }
            TestPcaps.assertSamePackets(input, got, "stored under the certificate's name, in order");
            try (Stream<Path> s = Files.list(collector.out.resolve(".sot2"))) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("probe-a.site1~")),
                        "the stream state is kept under the certificate's name");
            }
        }
    }

    @Test
    void aCollectorKilledAndRestartedDuringATlsReplayEndsWithEveryPacketOnce() throws Exception {
        Path capture = generate("paced.pcap", 40_000, 42);
        List<Packet> input = TestPcaps.read(capture).packets();
        long first = input.get(0).sec() * 1_000_000_000L + input.get(0).nanos();
        Packet lastP = input.get(input.size() - 1);
        double speed = Math.max(1, (lastP.sec() * 1_000_000_000L + lastP.nanos() - first) / 8e9); // about 8 s
        try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp(), "remote_{sender_name}",
                collectorTls())) {
            collector.start();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(), "--replay-speed",
                    String.valueOf(speed), forwarderConfig("f.yaml", collector.port, true, 120).toString())) {
                collector.awaitReceived(input.size() / 3, 120);
                collector.daemon.close(); // kill -9
                fwd.awaitLine("connection to tcp 127.0.0.1:" + collector.port + " lost", 60);
                collector.start();
                assertEquals(0, fwd.awaitExit(300), "forwarder exit status; log:\n" + fwd.log());
                assertEquals(input.size(), fwd.finalFigure("captured"), fwd.lastLine("final: "));
                assertEquals(input.size(), fwd.finalFigure("forwarded"), "every packet acknowledged: "
                        + fwd.lastLine("final: "));
                assertEquals(0, fwd.finalFigure("fwd_backlog"), fwd.lastLine("final: "));
                for (String r : List.of("queue_full", "not_connected", "send_error", "spool_full", "spool_error")) {
                    assertEquals(0, fwd.finalFigure("fwd_dropped_" + r), r + ": " + fwd.lastLine("final: "));
                }
                assertTrue(fwd.log().lines().filter(l -> l.contains("SOT2 over mutual TLS")).count() >= 2,
                        "connected over TLS before and after the restart:\n" + fwd.log());
            }
            assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
            assertEquals(0, collector.finalTotal("sot2_skipped"));
            assertTrue(files(collector.out).stream().allMatch(f -> f.getFileName().toString()
                    .startsWith("remote_probe-a.site1_")), files(collector.out).toString());
            StoredPackets.assertSameMultiset(input, StoredPackets.all(collector.out), "the collector's files");
        }
    }

    @Test
    void routingRulesByNameTakeTheSensorIdOnPlaintextAndTheCertificateNameUnderTls() throws Exception {
        Path capture = generate("named.pcap", 3000, 44);
        List<Packet> input = TestPcaps.read(capture).packets();
        int tlsPort = FreePorts.tcp();
        String tls = collectorTls().replace("  enable: true\n", "  enable: true\n  port: " + tlsPort + "\n");
        try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp(), "remote_{sender_name}",
                "routing_rules:\n"
                        + "  - name: \"plant-7\"\n    output_prefix: \"plain_{sender_name}\"\n"
                        + "  - name: \"*.site1\"\n    output_prefix: \"tls_{sender_name}\"\n"
                        + "  - ip: \"127.0.0.1\"\n    output_prefix: \"by_address\"\n"
                        + tls)) {
            collector.start();
            // The same sensor id twice: on plaintext it is the name, under TLS the certificate's is.
            try (DaemonRun plain = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                    forwarderConfig("plain.yaml", collector.port, false, 120).toString())) {
                assertEquals(0, plain.awaitExit(300), plain.log());
            }
            try (DaemonRun secure = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                    forwarderConfig("tls.yaml", tlsPort, true, 120).toString())) {
                assertEquals(0, secure.awaitExit(300), secure.log());
            }
            assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
            List<Path> all = files(collector.out);
            assertTrue(all.stream().allMatch(f -> f.getFileName().toString().startsWith("plain_plant-7_")
                    || f.getFileName().toString().startsWith("tls_probe-a.site1_")), all.toString());
            for (String prefix : List.of("plain_plant-7_", "tls_probe-a.site1_")) {
                List<Packet> got = new java.util.ArrayList<>();
                for (Path f : all) {
                    if (f.getFileName().toString().startsWith(prefix)) {
                        got.addAll(TestPcaps.read(f).packets());
                    }
                }
                TestPcaps.assertSamePackets(input, got, "the files " + prefix + "*");
            }
        }
    }

    @Test
    void aPlaintextSot2SenderOnTheTlsPortIsRefusedAndStoresNothing() throws Exception {
        Path capture = generate("few.pcap", 500, 43);
        try (RestartableCollector collector = new RestartableCollector(dir, FreePorts.tcp(), "remote_{sender_name}",
                collectorTls())) {
            collector.start();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(),
                    forwarderConfig("plain.yaml", collector.port, false, 5).toString())) {
                assertEquals(75, fwd.awaitExit(300), "not acknowledged: exit 75; log:\n" + fwd.log());
                assertEquals(0, fwd.finalFigure("forwarded"), fwd.lastLine("final: "));
                assertEquals(500, fwd.finalFigure("fwd_backlog"), "kept in the spool: " + fwd.lastLine("final: "));
            }
            assertTrue(collector.metric("secureot_connections_rejected_total{reason=\"plaintext_on_tls_port\"}") >= 1,
                    collector.daemon.log());
            assertEquals(0, collector.daemon.stop(60), collector.daemon.log());
            assertTrue(collector.daemon.log().contains("are not a TLS handshake"), collector.daemon.log());
            assertEquals(List.of(), files(collector.out), "nothing stored");
        }
    }
}
