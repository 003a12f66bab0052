package com.secureot.span;

import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A SPAN port built from a veth pair: the daemon captures on one end while tcpreplay injects at
 * top speed on the other; after SIGTERM every injected frame must be in the files.
 */
class SpanPcapLiveIT {
    private static final String INJECT = "spt" + ProcessHandle.current().pid() % 100_000 + "a";
    private static final String CAPTURE = "spt" + ProcessHandle.current().pid() % 100_000 + "b";
    private static final Pattern WRITTEN = Pattern.compile(" written=(\\d+) ");

    @TempDir
    Path work;

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", cmd) + ": exit " + rc + ": " + out);
        }
        return rc;
    }

    @BeforeAll
    static void createVethPair() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for a veth pair");
        assumeTrue(sh("sh", "-c", "command -v ip && command -v tcpreplay") == 0, "needs ip and tcpreplay");
        sh("ip", "link", "del", INJECT); // left over from a killed run
        assertEquals(0, sh("ip", "link", "add", INJECT, "type", "veth", "peer", "name", CAPTURE));
        for (String itf : List.of(INJECT, CAPTURE)) {
            // With IPv6 off the kernel sends nothing of its own: what is captured is what was injected.
            assertEquals(0, sh("sysctl", "-qw", "net.ipv6.conf." + itf + ".disable_ipv6=1"));
            assertEquals(0, sh("ip", "link", "set", itf, "up"));
        }
    }

    @AfterAll
    static void deleteVethPair() throws Exception {
        sh("ip", "link", "del", INJECT);
    }

    private static String waitFor(SpanDaemon.Running d, String what, long timeoutMillis) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            String err = d.stderrText();
            if (err.contains(what)) {
                return err;
            }
            assertTrue(d.process().isAlive(), "daemon exited: " + err);
            Thread.sleep(100);
        }
        throw new AssertionError("no \"" + what + "\" within " + timeoutMillis + " ms: " + d.stderrText());
    }

    /** The written count of the last summary line. */
    private static long lastWritten(String stderr) {
        long n = -1;
        Matcher m = WRITTEN.matcher(stderr);
        while (m.find()) {
            n = Long.parseLong(m.group(1));
        }
        return n;
    }

    private static void count(Map<ByteBuffer, Integer> m, byte[] frame) {
        m.merge(ByteBuffer.wrap(frame), 1, Integer::sum);
    }

    @Test
    void storesEveryFrameInjectedAtTopSpeedAndClosesEveryFileOnSigterm() throws Exception {
        List<Path> captures = new ArrayList<>();
        List<Packet> generated = TestPcaps.mixedTraffic(1_718_000_000L, 100_000, 99);
        captures.add(TestPcaps.writePcap(work.resolve("generated.pcap"), generated, false));
        Path shared = Path.of(System.getProperty("shared.pcaps", "../shared/pcaps"));
        if (Files.isDirectory(shared)) {
            try (Stream<Path> l = Files.list(shared)) {
                l.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(captures::add);
            }
        }
        Map<ByteBuffer, Integer> injected = new HashMap<>();
        long total = 0;
        for (Path c : captures) {
            for (Packet p : TestPcaps.read(c).packets()) {
                count(injected, p.data());
                total++;
            }
        }

        Path out = work.resolve("out");
        Path config = work.resolve("live.yaml");
        Files.writeString(config, """
                capture:
                  interface: "%s"
                %s
                output_directories:
                  pcap_raw_output_path: "%s"
                rotation:
                  timezone: UTC
                metrics:
                  log_interval_seconds: 1
                """.formatted(CAPTURE, ExpectedFiles.RULES, out));
        SpanDaemon.Running d = SpanDaemon.start(work, config.toString());
        SpanDaemon.Result r;
        try {
            waitFor(d, "capturing on " + CAPTURE, 60_000);
            for (Path c : captures) {
                assertEquals(0, sh("tcpreplay", "-q", "-i", INJECT, "--topspeed", c.toString()), c.toString());
            }
            // Live, files are flushed every second: the summary line must show every frame written
            // while the daemon still runs (a generous bound; it takes about a second here).
            long end = System.currentTimeMillis() + 120_000;
            while (lastWritten(d.stderrText()) < total && System.currentTimeMillis() < end) {
                Thread.sleep(200);
            }
            assertEquals(total, lastWritten(d.stderrText()), "frames written before SIGTERM");
        } finally {
            r = d.stop();
        }
        assertEquals(0, r.exit(), r.all());
        String fin = r.stderr().lines().filter(l -> l.contains("final: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no final summary\n" + r.all()));
        assertTrue(fin.contains(" kernel_dropped=0 "), fin);
        assertTrue(fin.contains(" captured=" + total + " "), fin);
        assertTrue(fin.contains(" written=" + total + " "), fin);
        assertTrue(fin.contains(" in_flight=0 "), fin);

        Map<ByteBuffer, Integer> stored = new HashMap<>();
        long storedCount = 0;
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
                TestPcaps.PcapFile file = TestPcaps.read(f);
                assertEquals(1, file.linkType(), f + ": a veth captures Ethernet");
                for (Packet p : file.packets()) {
                    assertEquals(p.data().length, p.origLen(), f + ": nothing was cut at snaplen 262144");
                    count(stored, p.data());
                    storedCount++;
                }
                if (SpanDaemon.tsharkInstalled()) {
                    SpanDaemon.Result t = SpanDaemon.tshark(f);
                    assertEquals(0, t.exit(), f + ": " + t.stdout());
                }
            }
        }
        assertEquals(total, storedCount, "frames stored");
        if (!injected.equals(stored)) {
            long missing = 0;
            for (Map.Entry<ByteBuffer, Integer> e : injected.entrySet()) {
                missing += Math.max(0, e.getValue() - stored.getOrDefault(e.getKey(), 0));
            }
            throw new AssertionError(missing + " injected frames are not stored (or stored different)");
        }
    }
}
