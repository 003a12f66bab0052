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
        assertEquals(List.of("forward.format: \"pcap\" is not one of sot1, raw"),
                errors("enable: true\nhost: h\nport: 1\nformat: pcap\n"));
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
        assertEquals(List.of("forward.format: is for protocol udp only (forward.protocol is tcp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nformat: raw\n"));
        assertEquals(List.of("forward.max_datagram_bytes: is for protocol udp only (forward.protocol is tcp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: tcp\nmax_datagram_bytes: 1400\n"));
        assertEquals(List.of("forward.reconnect_min_ms: is for protocol tcp only (forward.protocol is udp)"),
                errors("enable: true\nhost: h\nport: 1\nprotocol: udp\nreconnect_min_ms: 100\n"));
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
}
