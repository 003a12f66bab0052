package com.secureot.span;

import com.secureot.pcap.io.CaptureFileReader;
import com.secureot.pcap.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 6: every packet is written or counted with a reason, on real traffic and a real full
 * file system, and the counters agree: captured = written + dropped (+ in flight, 0 at the end).
 */
class LossAccountingIT {
    private static final Path JAR = Path.of("target/sniffer-span-pcap.jar");

    @TempDir
    Path tmp;

    @Test
    void aFullFileSystemCountsDiskFullDropsAndLeavesEveryFileReadable() throws Exception {
        assumeTrue(isRoot(), "mounting a tmpfs needs root");
        Path input = generate(20_000, false);
        Path mnt = Files.createDirectories(tmp.resolve("tiny"));
        run(0, "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt.toString());
        try {
            Path config = config(mnt.resolve("out"), null, "iface-unused");
            Result r = daemon(List.of("-r", input.toString(), config.toString()), null);
            assertEquals(74, r.exit, r.stderr);
            assertTrue(r.stderr.contains("were not stored (disk_full="), r.stderr);
            Map<String, Long> fin = finalSummary(r.stderr);
            assertEquals(20_000, fin.get("captured"));
            assertEquals(0, fin.get("in_flight"));
            assertTrue(fin.get("dropped_disk_full") > 0);
            assertEquals(fin.get("captured"), fin.get("written") + fin.get("dropped_disk_full")
                    + fin.get("dropped_write_error") + fin.get("dropped_queue_full"));
            // What reached the disk is whole records only, and counted as written.
            long stored = 0;
            try (Stream<Path> files = Files.list(mnt.resolve("out"))) {
                for (Path f : files.toList()) {
                    try (CaptureFileReader reader = CaptureFileReader.open(f)) {
                        stored += reader.readAll((b, o, c, ol, lt, s, n, nano, snap) -> { });
                        assertNull(reader.warning(), f + " does not end on a whole record");
                    }
                }
            }
            assertEquals(fin.get("written"), stored);
            long errorLines = r.stderr.lines().filter(l -> l.contains(" ERROR ") && l.contains("cannot write")).count();
            // One ERROR line per writer thread (rotation.writer_threads, at most 2 by default) per minute.
            assertTrue(errorLines <= 2, "one error line per episode, not per packet:\n" + r.stderr);
        } finally {
            run(-1, "umount", "-l", mnt.toString());
        }
    }

    /**
     * Runs on every capture path: the {@code java} on the PATH (Java 17 here: the packet ring
     * through JNA, or pcap4j) and the JVM running the tests (Java 22+ when the build runs on it:
     * the ring or libpcap through the foreign function API).
     */
    @ParameterizedTest
    @ValueSource(strings = {"path auto", "build auto", "path libpcap", "build libpcap"})
    void liveMetricsEndpointAndSummaryShowEveryInjectedFrame(String run) throws Exception {
        assumeTrue(isRoot() && onPath("tcpreplay"), "needs root and tcpreplay");
        String whichJava = run.split(" ")[0];
        String backend = run.split(" ")[1];
        String java = whichJava.equals("path") ? "java" : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int feature = javaFeature(java);
        assumeTrue(whichJava.equals("path") || feature >= 22, "the build's JVM is older than 22: no FFM path to test");
        int injected = 30_000;
        Path input = generate(injected, false);
        String a = "rgla" + whichJava.charAt(0) + backend.charAt(0) + "0";
        String b = "rgla" + whichJava.charAt(0) + backend.charAt(0) + "1";
        run(-1, "ip", "link", "del", a);
        run(0, "ip", "link", "add", a, "type", "veth", "peer", "name", b);
        try {
            for (String i : List.of(a, b)) {
                run(0, "sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
                run(0, "ip", "link", "set", i, "up");
            }
            int port = FreePorts.tcp();
            Path config = config(tmp.resolve("live"), "127.0.0.1:" + port, b, backend);
            ProcessBuilder pb = new ProcessBuilder(java, "-jar", JAR.toString(), config.toString())
                    .redirectError(tmp.resolve("live.log").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            try {
                waitFor(() -> scrape(port) != null, 20_000);
                run(0, "tcpreplay", "-q", "-i", a, "--topspeed", input.toString());
                waitFor(() -> {
                    Map<String, Double> m = scrape(port);
                    return m != null && m.get("secureot_packets_written_total") >= injected;
                }, 20_000);
                Map<String, Double> m = scrape(port);
                assertEquals(injected, m.get("secureot_packets_captured_total"));
                assertEquals(injected, m.get("secureot_packets_written_total"));
                assertEquals(0.0, m.get("secureot_kernel_dropped_total"));
                assertEquals(0.0, m.get("secureot_packets_in_flight"));
            } finally {
                p.toHandle().destroy();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(0, p.exitValue());
            String log = Files.readString(tmp.resolve("live.log"));
            boolean ffm = feature >= 22 && jarHas("FfmCapture");
            String path = backend.equals("auto")
                    ? "capture path: kernel packet ring (TPACKET_V3) through "
                    + (feature >= 22 && jarHas("RingSocket") ? "the foreign function API" : "JNA")
                    : ffm ? "capture path: libpcap through the foreign function API" : "capture path: pcap4j";
            assertTrue(log.contains(path), path + " in:\n" + log);
            Map<String, Long> fin = finalSummary(log);
            assertEquals(injected, fin.get("captured"));
            assertEquals(injected, fin.get("written"));
            assertEquals(0, fin.get("kernel_dropped"));
        } finally {
            run(-1, "ip", "link", "del", a);
        }
    }

    // ---- helpers

    /** True when the jar holds a Java 22+ version of the capture class {@code name}. */
    private static boolean jarHas(String name) {
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(JAR.toFile())) {
            return j.getEntry("META-INF/versions/22/com/secureot/pcap/capture/" + name + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static int javaFeature(String java) throws Exception {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("version \"(\\d+)").matcher(out);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private record Result(int exit, String stderr) {
    }

    private Result daemon(List<String> args, String unused) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", JAR.toString()));
        cmd.addAll(args);
        Path err = tmp.resolve("stderr-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "daemon did not finish");
        return new Result(p.exitValue(), Files.readString(err));
    }

    private Path generate(int packets, boolean nano) throws Exception {
        Path out = tmp.resolve("in-" + packets + ".pcap");
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-cp", JAR.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                "--hours", "1", "--max-size", "1000"));
        if (nano) {
            cmd.add("--nano");
        }
        cmd.add(out.toString());
        assertEquals(0, new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor());
        return out;
    }

    private Path config(Path out, String metricsListen, String itf) throws IOException {
        return config(out, metricsListen, itf, "auto");
    }

    private Path config(Path out, String metricsListen, String itf, String backend) throws IOException {
        String yaml = "capture:\n  interface: \"" + itf + "\"\n  backend: " + backend + "\n"
                + "routing_rules:\n  - ip: \"10.0.0.1\"\n    output_prefix: \"scada\"\n"
                + "default_output_prefix: \"host_{src_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n"
                + (metricsListen == null ? "" : "metrics:\n  listen: \"" + metricsListen + "\"\n");
        Path p = tmp.resolve("config-" + System.nanoTime() + ".yaml");
        Files.writeString(p, yaml);
        return p;
    }

    /** The key=value figures of the "final:" summary line. */
    static Map<String, Long> finalSummary(String log) {
        String line = log.lines().filter(l -> l.contains("final: ")).reduce((x, y) -> y)
                .orElseThrow(() -> new AssertionError("no final summary line in:\n" + log));
        Map<String, Long> out = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(-?\\d+)").matcher(line);
        while (m.find()) {
            out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return out;
    }

    private static Map<String, Double> scrape(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Map<String, Double> out = new java.util.HashMap<>();
            for (String l : r.body().lines().toList()) {
                if (l.startsWith("#") || l.isBlank()) {
                    continue;
                }
                String[] kv = l.split(" ");
                String name = kv[0].replaceAll("\\{.*}", "");
                out.merge(name, Double.parseDouble(kv[1]), Double::sum);
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!cond.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < end, "condition not reached in " + millis + " ms");
            Thread.sleep(100);
        }
    }

    private static void run(int expectedExit, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (expectedExit >= 0) {
            assertEquals(expectedExit, rc, String.join(" ", cmd) + ": " + out);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
