package com.secureot.pcap.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16: values that loaded but failed at run time are configuration errors naming their key. */
class FailsAtRunTimeConfigTest {
    @TempDir
    Path dir;

    private String base() {
        return "capture:\n  interface: \"eth0\"\n"
                + "default_output_prefix: \"traffic_misc\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + dir.resolve("out") + "\"\n";
    }

    private List<String> errors(String yaml) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> SpanConfig.from(YamlDocuments.load(f), false)).errors();
    }

    private SpanConfig load(String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return SpanConfig.from(YamlDocuments.load(f), false);
    }

    @Test
    void aMetricsListenHostThatCannotBeBoundIsAnError() throws Exception {
        List<String> e = errors(base() + "metrics:\n  listen: \"*:19138\"\n");
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("metrics.listen: \"*:19138\": \"*\" is not an IP address or host name"), e.get(0));
        assertTrue(e.get(0).contains("\"0.0.0.0:19138\""), e.get(0));
        for (String ok : List.of("127.0.0.1:9108", "[::]:9108", "0.0.0.0:9108", "localhost:9108", "probe-1.plant.local:1")) {
            assertEquals(ok.substring(ok.lastIndexOf(':') + 1), String.valueOf(load(base() + "metrics:\n  listen: \""
                    + ok + "\"\n").metrics().listenPort()), ok);
        }
        assertEquals(1, errors(base() + "metrics:\n  listen: \"-bad-:9108\"\n").size());
        assertEquals(1, errors(base() + "metrics:\n  listen: \"300.1.1.1:9108\"\n").size());
    }

    @Test
    void aPrefixWhoseFileNamesExceedTheFileSystemsLimitIsAnError() throws Exception {
        String longest = "p".repeat(255 - 31);
        load(base().replace("traffic_misc", longest)); // with its suffix, exactly 255 bytes
        List<String> e = errors(base().replace("traffic_misc", "p".repeat(250)));
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("default_output_prefix: \"ppp"), e.get(0));
        assertTrue(e.get(0).contains("makes file names of up to 281 bytes, over the 255 the file system allows (shorten it by 26)"),
                e.get(0));
        // A placeholder counts as the longest address it renders to; UTF-8 counts in bytes.
        List<String> rule = errors(base() + "routing_rules:\n  - ip: \"10.0.0.0/8\"\n    output_prefix: \"h_{src_ip}_"
                + "é".repeat(100) + "\"\n");
        assertTrue(rule.get(0).startsWith("routing_rules[0].output_prefix:"), rule.toString());
        assertTrue(rule.get(0).contains("an address renders to up to 39"), rule.get(0));
    }

    @Test
    void captureThreadsIsOneByDefaultAndUpToSixteenOnThePacketRing() throws Exception {
        assertEquals(1, load(base()).capture().threads(), "today's single capture thread");
        String at = "  interface: \"eth0\"\n";
        assertEquals(4, load(base().replace(at, at + "  threads: 4\n")).capture().threads());
        assertEquals(16, load(base().replace(at, at + "  threads: 16\n  backend: ring\n")).capture().threads());
        assertEquals(List.of("capture.threads: 17 is out of range (expected 1..16)"),
                errors(base().replace(at, at + "  threads: 17\n")));
        assertEquals(List.of("capture.threads: 0 is out of range (expected 1..16)"),
                errors(base().replace(at, at + "  threads: 0\n")));
        assertEquals(List.of("capture.threads: \"two\" is not an integer"),
                errors(base().replace(at, at + "  threads: two\n")));
    }

    @Test
    void captureThreadsAboveOneWithALibpcapBackendIsAnErrorNamingBothKeys() throws Exception {
        String at = "  interface: \"eth0\"\n";
        for (String backend : List.of("libpcap", "ffm", "pcap4j")) {
            List<String> e = errors(base().replace(at, at + "  threads: 2\n  backend: " + backend + "\n"));
            assertEquals(1, e.size(), e.toString());
            assertTrue(e.get(0).startsWith("capture.threads: 2 needs the packet ring (PACKET_FANOUT), but "
                    + "capture.backend is \"" + backend + "\""), e.get(0));
        }
        assertEquals(1, load(base().replace(at, at + "  threads: 1\n  backend: libpcap\n")).capture().threads());
    }
}
