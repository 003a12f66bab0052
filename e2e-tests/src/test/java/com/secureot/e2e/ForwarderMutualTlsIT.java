package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.TestCa;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.PcapFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forwarder jar replays a capture to the collector jar over mutual TLS, with certificates the
 * {@code openssl} command made: stored exactly and named by the sensor's certificate; a
 * collector the sensor cannot verify gets nothing, and the replay exits 75 counting every packet
 * {@code not_connected}; bad TLS configuration exits 78 naming the key and the file.
 */
class ForwarderMutualTlsIT {
    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa.Issued probe;
    static Path capture;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "secureot e2e CA");
        probe = ca.client("probe-a.site1");
        capture = dir.resolve("generated.pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", "20000", "--hosts", "20", "--hours", "1",
                "--max-size", "1400", capture.toString());
    }

    /** TLS on the collector's TCP port (no tls.port): plaintext is not served there. */
    static String tlsBlock(TestCa.Issued server) {
        return "tls:\n"
                + "  enable: true\n"
                + "  certificate_file: \"" + server.cert() + "\"\n"
                + "  private_key_file: \"" + server.key() + "\"\n"
                + "  client_ca_file: \"" + ca.caCert + "\"\n"
                + "  allowed_clients: [\"*.site1\"]\n";
    }

    static Path forwarderConfig(Path where, int port, String tls) throws IOException {
        Path config = where.resolve("forwarder.yaml");
        Files.writeString(config, ""
                + "capture:\n"
                + "  interface: \"unused\"\n"
                + "  queue_size_mb: 256\n"
                + "routing_rules: []\n"
                + "default_output_prefix: \"local\"\n"
                + "output_directories:\n"
                + "  pcap_raw_output_path: \"" + where.resolve("forwarder-out") + "\"\n"
                + "rotation:\n"
                + "  timezone: UTC\n"
                + "metrics:\n"
                + "  log_interval_seconds: 0\n"
                + "forward:\n"
                + "  enable: true\n"
                + "  host: \"127.0.0.1\"\n"
                + "  port: " + port + "\n"
                + "  protocol: \"tcp\"\n"
                + "  reconnect_max_ms: 500\n"
                + "  drain_timeout_seconds: 3\n"
                + tls);
        return config;
    }

    static String sensorTls(TestCa.Issued sensor) {
        return "  tls:\n"
                + "    enable: true\n"
                + "    ca_file: \"" + ca.caCert + "\"\n"
                + "    certificate_file: \"" + sensor.cert() + "\"\n"
                + "    private_key_file: \"" + sensor.key() + "\"\n";
    }

    @Test
    void aReplayOverMutualTlsIsStoredExactlyNamedByTheSensorsCertificate(@TempDir Path run) throws Exception {
        storedExactlyOverTls(run, ca.server("127.0.0.1"), probe, List.of(), "OpenSSL BoringSSL");
    }

    /**
     * RSA keys on both sides (the issue allows EC or RSA), the forwarder on the JDK's TLS (what runs
     * where netty-tcnative cannot load) and the collector on BoringSSL: each side's key manager
     * offers the RSA key to the engine that asks for it.
     */
    @Test
    void rsaKeysWorkOnTheJdksTlsAndOnBoringSsl(@TempDir Path run) throws Exception {
        TestCa.Issued rsaProbe = ca.clientRsa("probe-r.site1");
        storedExactlyOverTls(run, ca.serverRsa("127.0.0.1"), rsaProbe,
                List.of("-Dio.netty.handler.ssl.noOpenSsl=true"), "collector verified as 127.0.0.1, JDK)");
    }

    private static void storedExactlyOverTls(Path run, TestCa.Issued server, TestCa.Issued sensor,
                                             List<String> forwarderJvm, String engineInLog) throws Exception {
        PcapFile input = TestPcaps.read(capture);
        try (Collector collector = new Collector(run, "tcp", "remote_{sender_name}", tlsBlock(server))) {
            // A long drain bound: a cold JVM's first handshake and its crypto before the JIT take seconds here.
            Path cfg = forwarderConfig(run, collector.port, sensorTls(sensor));
            Files.writeString(cfg, Files.readString(cfg).replace("drain_timeout_seconds: 3\n", "drain_timeout_seconds: 120\n"));
            try (DaemonRun fwd = DaemonRun.start(forwarderJvm, DaemonJar.FORWARDER, "-r", capture.toString(),
                    cfg.toString())) {
                assertEquals(0, fwd.awaitExit(300), fwd.log());
                assertEquals(input.packets().size(), fwd.finalFigure("forwarded"), fwd.lastLine("final: "));
                assertTrue(fwd.log().contains("mutual TLS, collector verified as 127.0.0.1"), fwd.log());
                assertTrue(fwd.log().contains(engineInLog), fwd.log());
            }
            collector.awaitReceived(input.packets().size(), 60);
            assertEquals(0, collector.stop(), collector.log());
            List<TestPcaps.Packet> stored = new ArrayList<>();
            try (Stream<Path> s = Files.list(collector.out)) {
                for (Path f : s.sorted().toList()) {
                    assertTrue(f.getFileName().toString().startsWith("remote_" + sensor.name() + "_"), f.toString());
                    stored.addAll(TestPcaps.read(f).packets());
                }
            }
            TestPcaps.assertSamePackets(input.packets(), stored, "stored under the certificate's name");
        }
    }

    @Test
    void aCollectorTheSensorCannotVerifyGetsNothingAndTheReplayExits75(@TempDir Path run) throws Exception {
        TestCa stranger = TestCa.create(run.resolve("stranger-ca"), "not the sensor's CA");
        PcapFile input = TestPcaps.read(capture);
        try (Collector collector = new Collector(run, "tcp", "remote_{sender_name}",
                tlsBlock(stranger.server("127.0.0.1")))) {
            Path cfg = forwarderConfig(run, collector.port, sensorTls(probe));
            // Long enough for the first (cold) handshake to fail on its own rather than be cut by the drain's end.
            Files.writeString(cfg, Files.readString(cfg).replace("drain_timeout_seconds: 3\n", "drain_timeout_seconds: 15\n"));
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "-r", capture.toString(), cfg.toString())) {
                assertEquals(75, fwd.awaitExit(300), fwd.log());
                assertEquals(0, fwd.finalFigure("forwarded"), fwd.lastLine("final: "));
                assertEquals(input.packets().size(), fwd.finalFigure("fwd_dropped_not_connected"), fwd.lastLine("final: "));
                long warned = fwd.log().lines().filter(l -> l.contains("could not be verified")).count();
                assertEquals(1, warned, "one line per state change:\n" + fwd.log());
            }
            assertEquals(0, collector.stop(), collector.log());
            try (Stream<Path> s = Files.exists(collector.out) ? Files.list(collector.out) : Stream.empty()) {
                assertEquals(0, s.count(), "nothing stored");
            }
        }
    }

    @Test
    void badTlsConfigurationExits78NamingTheKeyAndTheFile(@TempDir Path run) throws Exception {
        TestCa.Issued other = ca.client("other.site1");
        String[][] cases = {
            {sensorTls(probe).replace(probe.key().toString(), other.key().toString()),
                "forward.tls.private_key_file: " + other.key() + " this key does not match the certificate"},
            {sensorTls(probe).replace(probe.cert().toString(), run.resolve("missing.pem").toString()),
                "forward.tls.certificate_file: " + run.resolve("missing.pem") + " cannot be read"},
            {sensorTls(ca.clientValid("old.site1", "20200101000000Z", "20200201000000Z")),
                "expired on 2020-02-01T00:00:00Z"},
        };
        for (String[] c : cases) {
            Path cfg = forwarderConfig(run, 5443, c[0]);
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", cfg.toString())) {
                assertEquals(78, fwd.awaitExit(60), fwd.log());
                assertTrue(fwd.log().contains(c[1]), c[1] + " in:\n" + fwd.log());
            }
        }
        // Every file that is wrong is named in one run, not one per attempt.
        Path twoWrong = forwarderConfig(run, 5443, sensorTls(probe)
                .replace(probe.cert().toString(), run.resolve("missing.pem").toString())
                .replace(ca.caCert.toString(), run.resolve("no-ca.pem").toString()));
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", twoWrong.toString())) {
            assertEquals(78, fwd.awaitExit(60), fwd.log());
            assertTrue(fwd.log().contains("forward.tls.certificate_file: " + run.resolve("missing.pem") + " cannot be read")
                    && fwd.log().contains("forward.tls.ca_file: " + run.resolve("no-ca.pem") + " cannot be read"),
                    fwd.log());
        }
        Path udp = forwarderConfig(run, 5443, sensorTls(probe)).getParent().resolve("udp.yaml");
        Files.writeString(udp, Files.readString(forwarderConfig(run, 5443, sensorTls(probe)))
                .replace("protocol: \"tcp\"", "protocol: \"udp\"").replace("  reconnect_max_ms: 500\n", ""));
        try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", udp.toString())) {
            assertEquals(78, fwd.awaitExit(60), fwd.log());
            assertTrue(fwd.log().contains("forward.tls: is for protocol tcp only"), fwd.log());
        }
    }
}
