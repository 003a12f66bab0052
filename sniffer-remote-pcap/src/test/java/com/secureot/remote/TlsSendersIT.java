package com.secureot.remote;

import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestCa;
import com.secureot.pcap.wire.TlsAcceptNotice;
import com.secureot.remote.PcapRecords.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.secureot.remote.CollectorIT.assertSamePackets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS senders written by nobody here, each with a certificate of its own, on the collector's TLS
 * port: {@code openssl s_client}, the socat and the stunnel recipes of docs/deployment.md. Each
 * stream is stored exactly, in the files its certificate's name routes it to
 * ({@code routing_rules[].name}: one name, a {@code *.suffix} pattern, else the default prefix).
 */
class TlsSendersIT {
    @TempDir
    static Path dir;
    static TestCa ca;
    static int tlsPort;
    static CollectorProcess collector;
    static Path capture;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "secureot senders CA");
        TestCa.Issued server = ca.server("127.0.0.1");
        tlsPort = FreePorts.tcp();
        capture = ConnectionPolicyIT.biggest(CollectorIT.captures(dir));
        collector = new CollectorProcess(dir, ""
                + "default_output_prefix: \"remote_{sender_name}\"\n"
                + "routing_rules:\n"
                + "  - name: \"probe-a.site1\"\n"
                + "    output_prefix: \"plant_a\"\n"
                + "  - name: \"*.site2\"\n"
                + "    output_prefix: \"site2_{sender_name}\"\n"
                + "  - ip: \"127.0.0.0/8\"\n"
                + "    output_prefix: \"loopback\"\n"
                + "tls:\n"
                + "  enable: true\n"
                + "  port: " + tlsPort + "\n"
                + "  certificate_file: \"" + server.cert() + "\"\n"
                + "  private_key_file: \"" + server.key() + "\"\n"
                + "  client_ca_file: \"" + ca.caCert + "\"\n", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (collector != null) {
            assertEquals(0, collector.stop());
            collector.close();
        }
    }

    /**
     * Runs a shell pipeline; returns its exit status (its output goes to the test's log). A sender
     * that has not ended long after its input did is a failure (socat waits for the collector's
     * close_notify: a collector that never sends it keeps socat forever).
     */
    static int sh(String pipeline) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "sender", ".log");
        Process p = new ProcessBuilder("bash", "-c", pipeline).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        System.err.println(pipeline + " -> " + (ended ? p.exitValue() : "still running") + "\n" + text);
        assertTrue(ended, "the sender did not end within 120 s of its input's end: " + pipeline + "\n" + text);
        return p.exitValue();
    }

    static String sClient(TestCa.Issued cert) {
        return "tcpdump -r '" + capture + "' -w - 2>/dev/null | " + sClientCommand(cert);
    }

    static String sClientCommand(TestCa.Issued cert) {
        return "openssl s_client -quiet -no_ign_eof -nocommands -verify_return_error -connect 127.0.0.1:" + tlsPort
                + " -cert '" + cert.cert() + "' -key '" + cert.key() + "' -CAfile '" + ca.caCert + "'";
    }

    static void storedExactly(String prefix, List<Packet> sent) throws Exception {
        collector.waitFor(() -> {
            try {
                return PcapRecords.readSeries(collector.out, prefix).size() >= sent.size();
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }, "the stream in the files " + prefix + "_*");
        assertSamePackets(sent, PcapRecords.readSeries(collector.out, prefix), "files " + prefix);
    }

    @Test
    void twoCertificateNamesAreRoutedToTheirTwoPrefixesBeforeAnyRuleByAddress() throws Exception {
        List<Packet> sent = PcapRecords.read(capture);
        assertEquals(0, sh(sClient(ca.client("probe-a.site1"))));
        assertEquals(0, sh(sClient(ca.client("probe-b.site2"))));
        storedExactly("plant_a", sent);
        storedExactly("site2_probe-b.site2", sent);
        try (var files = Files.list(collector.out)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("loopback_")),
                    "the name rules come first; the address rule does not take these senders");
        }
    }

    /**
     * docs/wire-formats.md, "Inside mutual TLS": the accept notice goes to a client that offers the
     * ALPN name {@code secureot/1}, and to no other (a sender that never reads would close with it
     * unread, and the kernel would reset its stream). Both streams are stored exactly.
     */
    @Test
    void theAcceptNoticeGoesOnlyToAClientThatOffersItsAlpnName() throws Exception {
        List<Packet> sent = PcapRecords.read(capture);
        Path asked = dir.resolve("asked.out");
        Path notAsked = dir.resolve("not-asked.out");
        // The sleep keeps s_client's input open after the capture, so that it reads what the collector sent.
        assertEquals(0, sh("(tcpdump -r '" + capture + "' -w - 2>/dev/null; sleep 2) | " + sClientCommand(
                ca.client("probe-c.site2")) + " -alpn " + TlsAcceptNotice.ALPN + " > '" + asked + "'"));
        assertEquals(0, sh("(tcpdump -r '" + capture + "' -w - 2>/dev/null; sleep 2) | " + sClientCommand(
                ca.client("probe-d.site2")) + " > '" + notAsked + "'"));
        assertArrayEquals(TlsAcceptNotice.bytes(), Files.readAllBytes(asked), "what the collector sent after the "
                + "handshake to a client offering " + TlsAcceptNotice.ALPN);
        assertEquals(0, Files.size(notAsked), "the collector sends nothing to a client that did not ask");
        storedExactly("site2_probe-c.site2", sent);
        storedExactly("site2_probe-d.site2", sent);
    }

    @Test
    void theSocatRecipeIsStoredExactly() throws Exception {
        TestCa.Issued probe = ca.client("socat.site3");
        // docs/deployment.md, "Third-party TLS senders": socat.
        assertEquals(0, sh("tcpdump -r '" + capture + "' -w - 2>/dev/null | socat -u - OPENSSL-CONNECT:127.0.0.1:"
                + tlsPort + ",cert=" + probe.cert() + ",key=" + probe.key() + ",cafile=" + ca.caCert));
        // No name rule matches socat.site3 and the address rule does: loopback.
        storedExactly("loopback", PcapRecords.read(capture));
    }

    @Test
    void theStunnelRecipeIsStoredExactly() throws Exception {
        TestCa.Issued probe = ca.client("stunnel.site2");
        int local = FreePorts.tcp();
        Path conf = dir.resolve("stunnel.conf");
        // docs/deployment.md, "Third-party TLS senders": stunnel.
        Files.writeString(conf, ""
                + "foreground = yes\n"
                + "pid =\n"
                + "[collector]\n"
                + "client = yes\n"
                + "accept = 127.0.0.1:" + local + "\n"
                + "connect = 127.0.0.1:" + tlsPort + "\n"
                + "cert = " + probe.cert() + "\n"
                + "key = " + probe.key() + "\n"
                + "CAfile = " + ca.caCert + "\n"
                + "verifyChain = yes\n"
                + "checkIP = 127.0.0.1\n"
                + "sslVersionMin = TLSv1.3\n");
        Process stunnel = new ProcessBuilder("stunnel", conf.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader log = new BufferedReader(new InputStreamReader(stunnel.getInputStream(),
                    StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = log.readLine()) != null && !line.contains("Configuration successful")) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "stunnel started:\n" + seen);
            Thread drain = new Thread(() -> {
                try {
                    String l;
                    while ((l = log.readLine()) != null) {
                        System.err.println("stunnel: " + l);
                    }
                } catch (IOException e) {
                    // stunnel ended
                }
            });
            drain.setDaemon(true);
            drain.start();
            assertEquals(0, sh("tcpdump -r '" + capture + "' -w - 2>/dev/null | nc -N 127.0.0.1 " + local));
            storedExactly("site2_stunnel.site2", PcapRecords.read(capture));
        } finally {
            stunnel.destroy();
            stunnel.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
