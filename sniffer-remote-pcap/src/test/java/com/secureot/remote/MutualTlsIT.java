package com.secureot.remote;

import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestCa;
import com.secureot.remote.PcapRecords.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.secureot.remote.CollectorIT.assertSamePackets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutual TLS on the collector's TLS port, next to its plaintext port (the migration setup), with
 * TLS peers written by nobody here: {@code tcpdump -r X -w - | openssl s_client -cert ...} as the
 * sensor, certificates made by the {@code openssl} command at test time. Each refusal is counted by
 * its reason, stores nothing, and the next valid stream is stored exactly. One collector serves
 * every case.
 */
class MutualTlsIT {
    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa otherCa;
    static TestCa.Issued server;
    static TestCa.Issued revoked;
    static Path serverCert;
    static Path serverKey;
    static int tlsPort;
    static CollectorProcess collector;
    static Path capture;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "secureot test CA");
        otherCa = TestCa.create(dir.resolve("other-ca"), "someone else's CA");
        server = ca.server("127.0.0.1");
        revoked = ca.client("revoked.site2");
        Path crl = ca.revokeAndWriteCrl(revoked);
        // The collector reads its certificate from here; the reload test replaces them.
        serverCert = dir.resolve("collector.pem");
        serverKey = dir.resolve("collector.key");
        Files.copy(server.cert(), serverCert);
        Files.copy(server.key(), serverKey);
        tlsPort = FreePorts.tcp();
        capture = ConnectionPolicyIT.biggest(CollectorIT.captures(dir));
        collector = new CollectorProcess(dir, ""
                + "default_output_prefix: \"remote_{sender_name}\"\n"
                + "tls:\n"
                + "  enable: true\n"
                + "  port: " + tlsPort + "\n"
                + "  certificate_file: \"" + serverCert + "\"\n"
                + "  private_key_file: \"" + serverKey + "\"\n"
                + "  client_ca_file: \"" + ca.caCert + "\"\n"
                + "  crl_file: \"" + crl + "\"\n"
                + "  allowed_clients: [\"probe-a.site1\", \"*.site2\"]\n"
                + "  handshake_timeout_seconds: 2\n", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            assertEquals(0, collector.stop());
            String log = collector.logText();
            assertTrue(log.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), log);
            collector.close();
        }
    }

    /** {@code tcpdump -r X -w - | openssl s_client ...} with {@code cert} (null: none); returns its exit status. */
    static int sClient(TestCa.Issued cert, Path input) throws IOException, InterruptedException {
        String who = cert == null ? "" : " -cert '" + cert.cert() + "' -key '" + cert.key() + "'";
        Process p = new ProcessBuilder("bash", "-c", "tcpdump -r '" + input + "' -w - 2>/dev/null | openssl s_client "
                + "-quiet -no_ign_eof -nocommands -verify_return_error -connect 127.0.0.1:" + tlsPort + who + " -CAfile '"
                + ca.caCert + "'").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    static void storedExactly(String name, List<Packet> sent) throws Exception {
        collector.waitFor(() -> {
            try {
                return PcapRecords.readSeries(collector.out, "remote_" + name).size() >= sent.size();
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }, "the stream of " + name + " in its file");
        assertSamePackets(sent, PcapRecords.readSeries(collector.out, "remote_" + name), "stream of " + name);
    }

    /** Waits for tcpdump's "listening on" line: from then on it sees every packet of the interface. */
    private static void awaitListening(Process tcpdump) throws IOException {
        var lines = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(),
                StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.contains("listening on")) {
                return;
            }
        }
        fail("tcpdump ended before it listened:\n" + seen);
    }

    static double rejected(String reason) throws IOException, InterruptedException {
        return collector.metric("secureot_connections_rejected_total{reason=\"" + reason + "\"}");
    }

    @Test
    void opensslSClientAsASensorIsStoredExactlyNamedByItsCertificateAndNothingIsInClearOnTheWire() throws Exception {
        TestCa.Issued probe = ca.client("probe-a.site1");
        Path wire = dir.resolve("wire.pcap");
        Process dump = new ProcessBuilder("tcpdump", "-i", "lo", "-U", "-s", "0", "-w", wire.toString(), "tcp port "
                + tlsPort).redirectErrorStream(true).start();
        awaitListening(dump);
        assertEquals(0, sClient(probe, capture));
        List<Packet> sent = PcapRecords.read(capture);
        storedExactly("probe-a.site1", sent);
        Thread.sleep(500);
        dump.destroy();
        dump.waitFor(10, TimeUnit.SECONDS);
        byte[] onWire = Files.readAllBytes(wire);
        assertTrue(onWire.length > 100_000, "the stream was captured: " + onWire.length + " bytes");
        int probes = 0;
        for (Packet p : sent) {
            if (p.data().length >= 64) {
                // The packet's last 32 bytes (its payload, past the headers a capture of loopback could repeat).
                byte[] needle = java.util.Arrays.copyOfRange(p.data(), p.data().length - 32, p.data().length);
                assertFalse(contains(onWire, needle), "packet bytes in clear on the TLS port");
                probes++;
            }
        }
        assertTrue(probes > 10, "enough packets looked for: " + probes);
    }

    @Test
    void eachRefusalIsCountedStoresNothingAndTheNextValidStreamIsStoredExactly() throws Exception {
        Path small = dir.resolve("small.pcap");
        List<Packet> few = PcapRecords.read(capture).subList(0, 20);
        Files.write(small, CollectorIT.littleEndianMicroStream(few));
        record Case(String reason, TestCa.Issued cert, String name) {
        }
        List<Case> cases = List.of(
                new Case("no_certificate", null, null),
                new Case("unknown_ca", otherCa.client("probe-b.site2"), "probe-b.site2"),
                new Case("expired", ca.clientValid("old.site2", "20200101000000Z", "20200201000000Z"), "old.site2"),
                new Case("revoked", revoked, "revoked.site2"),
                new Case("name_not_allowed", ca.client("intruder.site3"), "intruder.site3"));
        for (Case c : cases) {
            double before = rejected(c.reason);
            sClient(c.cert, small);
            collector.waitFor(() -> rejectedQuietly(c.reason) == before + 1, c.reason + " counted once");
            if (c.name != null) {
                try (var files = Files.list(collector.out)) {
                    assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(c.name)), c.reason + ": nothing stored");
                }
            }
        }
        // Plaintext on the TLS port: a pcap stream from nc.
        double plain = rejected("plaintext_on_tls_port");
        CollectorIT.sendIgnoringReset("127.0.0.1", tlsPort, CollectorIT.littleEndianMicroStream(few));
        collector.waitFor(() -> rejectedQuietly("plaintext_on_tls_port") == plain + 1, "plaintext counted");
        // A connection that never starts its handshake.
        double timeout = rejected("handshake_timeout");
        try (Socket silent = new Socket("127.0.0.1", tlsPort)) {
            silent.setSoTimeout(30_000);
            assertEquals(-1, CollectorIT.readToEnd(silent.getInputStream()), "closed by the collector");
        }
        assertEquals(timeout + 1, rejected("handshake_timeout"));
        String log = collector.logText();
        for (Case c : cases) {
            assertTrue(log.contains("refused (" + c.reason + ")"), c.reason + " logged:\n" + log);
        }
        assertTrue(log.contains("tls sender 127.0.0.1 port "), "the peer named");
        // Still serving: the next valid stream, exact.
        TestCa.Issued next = ca.client("next.site2");
        assertEquals(0, sClient(next, small));
        storedExactly("next.site2", few);
    }

    @Test
    void sighupReloadsTheCertificateForNewHandshakesAndABadReloadKeepsTheOld() throws Exception {
        TestCa.Issued renewed = ca.server("127.0.0.1");
        String before = servedCertificate();
        Files.copy(renewed.cert(), serverCert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.key(), serverKey, StandardCopyOption.REPLACE_EXISTING);
        hup();
        collector.waitFor(() -> collector.logText().contains("tls: reloaded"), "the reload");
        String after = servedCertificate();
        assertFalse(before.equals(after), "a new certificate after SIGHUP");
        assertEquals(fingerprint(renewed.cert()), after);
        // A key that does not match: one ERROR line, the renewed certificate stays.
        Files.copy(ca.client("spare.site2").key(), serverKey, StandardCopyOption.REPLACE_EXISTING);
        hup();
        collector.waitFor(() -> collector.logText().contains("tls: reload failed"), "the failed reload");
        assertEquals(1, collector.logText().lines().filter(l -> l.contains("tls: reload failed")).count());
        assertTrue(collector.logText().contains("tls.private_key_file"), collector.logText());
        assertEquals(after, servedCertificate());
        Files.copy(renewed.key(), serverKey, StandardCopyOption.REPLACE_EXISTING);
    }

    static void hup() throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-HUP", String.valueOf(collector.pid())).start().waitFor());
    }

    /** The SHA-256 fingerprint of the certificate the TLS port presents, read with openssl s_client -showcerts. */
    static String servedCertificate() throws Exception {
        TestCa.Issued probe = ca.client("probe-a.site1");
        Process p = new ProcessBuilder("bash", "-c", "openssl s_client -showcerts -connect 127.0.0.1:" + tlsPort
                + " -cert '" + probe.cert() + "' -key '" + probe.key() + "' -CAfile '" + ca.caCert
                + "' </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static String fingerprint(Path cert) throws Exception {
        Process p = new ProcessBuilder("openssl", "x509", "-in", cert.toString(), "-noout", "-fingerprint", "-sha256")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out;
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static double rejectedQuietly(String reason) {
        try {
            return rejected(reason);
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }
}
