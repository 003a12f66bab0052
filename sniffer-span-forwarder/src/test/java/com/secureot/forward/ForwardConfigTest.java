package com.secureot.forward;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ForwardConfig;
import com.secureot.pcap.config.SpanConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forward block: the earlier agents' keys load unchanged, every new key is checked. */
class ForwardConfigTest {
    private static final String BASE = "capture:\n  interface: eth1\ndefault_output_prefix: \"{src_ip}\"\n"
            + "output_directories:\n  pcap_raw_output_path: /tmp/x\n";

    private static ForwardConfig load(String forward) throws ConfigException {
        Map<String, Object> doc = new Yaml().load(BASE + "forward:\n" + forward.indent(2));
        return SpanConfig.from(doc, true).forward();
    }

    private static List<String> errors(String forward) {
        return assertThrows(ConfigException.class, () -> load(forward)).errors();
    }

    @Test
    void earlierAgentsBlockLoadsUnchangedWithDefaults() throws Exception {
        ForwardConfig f = load("enable: true\nhost: \"192.168.1.100\"\nport: 5000\nprotocol: \"udp\"\n");
        assertTrue(f.enable());
        assertEquals("192.168.1.100", f.host());
        assertEquals(5000, f.port());
        assertFalse(f.tcp());
        assertEquals("sot1", f.format());
        assertEquals(65507, f.maxDatagramBytes());
        assertEquals(10, f.drainTimeoutSeconds());
    }

    @Test
    void tcpKeysAreRead() throws Exception {
        ForwardConfig f = load("enable: true\nhost: collector.local\nport: 57012\nprotocol: TCP\n"
                + "connect_timeout_ms: 1500\nreconnect_min_ms: 200\nreconnect_max_ms: 8000\n"
                + "drain_timeout_seconds: 3\nsend_buffer_kb: 512\n");
        assertTrue(f.tcp());
        assertEquals(1500, f.connectTimeoutMillis());
        assertEquals(200, f.reconnectMinMillis());
        assertEquals(8000, f.reconnectMaxMillis());
        assertEquals(3, f.drainTimeoutSeconds());
        assertEquals(512 * 1024, f.sendBufferBytes());
    }

    @Test
    void disabledBlockNeedsNoHost() throws Exception {
        assertFalse(load("enable: false\n").enable());
    }

    @Test
    void enabledBlockNeedsHostAndPort() {
        assertEquals(List.of("forward.host: is required", "forward.port: is required when forward.enable is true"),
                errors("enable: true\n"));
    }

    @Test
    void badValuesNameTheKey() {
        assertEquals(List.of("forward.port: 70000 is out of range (expected 1..65535)"),
                errors("enable: true\nhost: h\nport: 70000\n"));
        assertEquals(List.of("forward.protocol: \"sctp\" is not one of udp, tcp, kafka"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: sctp\n"));
        assertEquals(List.of("forward.format: \"pcapng\" is not one of sot1, raw"),
                errors("enable: true\nhost: h\nport: 1\nformat: pcapng\n"));
        assertEquals(List.of("forward.max_datagram_bytes: 70000 is out of range (expected 64..65507)"),
                errors("enable: true\nhost: h\nport: 1\nmax_datagram_bytes: 70000\n"));
        assertEquals(List.of("forward.host: must not be empty"), errors("enable: true\nhost: \" \"\nport: 1\n"));
        assertEquals(List.of("forward.queue_packets: unknown key"),
                errors("enable: true\nhost: h\nport: 1\nqueue_packets: 100\n"));
    }

    @Test
    void reconnectMaxBelowMinIsAnError() {
        assertEquals(List.of("forward.reconnect_max_ms: 100 is below reconnect_min_ms (500)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nreconnect_max_ms: 100\n"));
    }

    @Test
    void keysOfTheOtherProtocolAreErrors() {
        assertEquals(List.of("forward.format: \"raw\" is for protocol udp (forward.protocol is tcp, which takes pcap "
                        + "or sot2)"), errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: raw\n"));
        assertEquals(List.of("forward.format: \"sot2\" is for protocol tcp (forward.protocol is udp, which takes sot1 "
                        + "or raw)"), errors("enable: true\nhost: h\nport: 1\nformat: sot2\n"));
        assertEquals(List.of("forward.max_datagram_bytes: is for protocol udp only (forward.protocol is tcp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nmax_datagram_bytes: 1400\n"));
        assertEquals(List.of("forward.reconnect_min_ms: is for protocol tcp only (forward.protocol is udp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: udp\nreconnect_min_ms: 100\n"));
    }

    @Test
    void aHostIsCheckedForItsFormBeforeAnyLookup() throws Exception {
        for (String bad : List.of("10.0.0.500", "10.0.0", "-collector", "collector..local", "a_b.example", "1.2.3.4.5")) {
            assertEquals(List.of("forward.host: \"" + bad + "\" is not an IP address or name"),
                    errors("enable: true\nhost: \"" + bad + "\"\nport: 5000\n"), bad);
        }
        for (String good : List.of("10.0.0.50", "fd00::5", "fe80::1%lo", "collector", "collector.site-a.example.", "sensor-01.local")) {
            assertEquals(good, load("enable: true\nhost: \"" + good + "\"\nport: 5000\n").host(), good);
        }
    }

    @Test
    void sot2KeysHaveDefaultsAndAreErrorsUnderOtherFormats() throws Exception {
        ForwardConfig f = load("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: sot2\n");
        assertTrue(f.sot2());
        assertEquals(1024L << 20, f.spoolMaxBytes());
        assertEquals(100_000_000L, f.backfillRateBitsPerSecond());
        assertEquals(null, f.spoolDirectory());
        ForwardConfig g = load("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: sot2\nsensor_id: plant-7\n"
                + "backfill_rate_mbps: 0\nspool:\n  directory: /var/spool/x\n  max_size_mb: 64\n");
        assertEquals("plant-7", g.sensorId());
        assertEquals(0, g.backfillRateBitsPerSecond());
        assertEquals(64L << 20, g.spoolMaxBytes());
        assertEquals(List.of("forward.spool: is for format sot2 only (forward.format is pcap)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nspool:\n  max_size_mb: 64\n"));
        // One rule for SOT2 and Kafka (SotkRecord.sensorIdProblem): the collector names files by it.
        assertEquals(List.of("forward.sensor_id: \"a b\" is not a sensor id (1 to 64 of A-Z a-z 0-9 . _ -, starting "
                        + "with a letter or digit)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: sot2\nsensor_id: \"a b\"\n"));
        assertEquals(List.of("forward.sensor_id: \"../x\" is not a sensor id (1 to 64 of A-Z a-z 0-9 . _ -, starting "
                        + "with a letter or digit)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: sot2\nsensor_id: \"../x\"\n"));
        assertEquals(List.of("forward.sensor_id: is for format sot2 only (forward.format is pcap)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nsensor_id: plant-7\n"));
        assertEquals(List.of("forward.spool.max_size_mb: 1 is out of range (expected 16..16777216)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: sot2\nspool:\n  max_size_mb: 1\n"));
    }

    @Test
    void exclusionFilterMatchesTheResolvedCollector() throws Exception {
        ForwardConfig f = load("enable: true\nhost: 127.0.0.1\nport: 5000\nprotocol: tcp\n");
        assertEquals("tcp and host 127.0.0.1 and port 5000", CollectorEndpoint.resolve(f).bpfExclusion());
        ForwardConfig v6 = load("enable: true\nhost: \"::1\"\nport: 6000\n");
        assertEquals("udp and host 0:0:0:0:0:0:0:1 and port 6000", CollectorEndpoint.resolve(v6).bpfExclusion());
    }

    @Test
    void backoffDoublesUpToItsCapAndResets() {
        Backoff b = new Backoff(100, 1000);
        assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L),
                List.of(b.next(), b.next(), b.next(), b.next(), b.next(), b.next()));
        b.reset();
        assertEquals(100, b.next());
    }

    @Test
    void authReadsTheKeyFileAndIsForSot1OverUdpOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path key = dir.resolve("probe.key");
        java.nio.file.Files.write(key, new byte[32]);
        String auth = "auth:\n  key_id: 7\n  key_file: \"" + key + "\"\n";
        ForwardConfig f = load("enable: true\nhost: h\nport: 1\n" + auth);
        assertTrue(f.auth().enabled());
        assertEquals(7, f.auth().key().id());
        assertFalse(load("enable: true\nhost: h\nport: 1\n").auth().enabled());
        assertEquals(List.of("forward.auth: is for protocol udp only (forward.protocol is tcp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\n" + auth));
        assertEquals(List.of("forward.auth: needs format sot1 (a raw frame has no room for a key id or tag)"),
                errors("enable: true\nhost: h\nport: 1\nformat: raw\n" + auth));
        java.nio.file.Files.write(key, new byte[8]);
        assertEquals(List.of("forward.auth.key_file: \"" + key + "\" holds 8 bytes; a key must be at least 32 bytes "
                + "(make one with: head -c 32 /dev/urandom > FILE)"), errors("enable: true\nhost: h\nport: 1\n" + auth));
        assertEquals(List.of("forward.auth.key_id: is required with forward.auth",
                "forward.auth.key_file: is required with forward.auth", "forward.auth.keyid: unknown key"),
                errors("enable: true\nhost: h\nport: 1\nauth:\n  keyid: 7\n"));
    }
}
