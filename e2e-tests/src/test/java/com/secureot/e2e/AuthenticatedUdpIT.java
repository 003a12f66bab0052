package com.secureot.e2e;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.FreePorts;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Authenticated SOT1 (issue 13, UDP half) and the collector's sequence state across its restarts
 * (issue 14, UDP line), with the real jars on loopback: a forwarder with a key replays a capture;
 * tcpdump records its datagrams on the wire; the test then attacks the collector the way an
 * attacker on the path would: datagrams with the sensor's address and a wrong key or an unknown
 * key id, a recorded datagram with its sequence changed, every recorded datagram sent again as
 * is, plain SOT1 with sequence 3 000 000 and a raw frame. Forged datagrams are built here from the
 * byte layout of docs/wire-formats.md with the JCE's own HmacSHA256, not with the project's code.
 */
class AuthenticatedUdpIT {
    private static final String PREFIX = "remote_{sender_ip}";
    private static final int KEY_ID = 7;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void anAuthenticatedReplayIsStoredExactlyAndForgedReplayedOrUnauthenticatedDatagramsAreRefused() throws Exception {
        Path key = newKey("probe-a.key");
        Path capture = generatedCapture(2000);
        List<Packet> input = TestPcaps.read(capture).packets();
        int udpPort = FreePorts.udp();
        int metricsPort = FreePorts.tcp();
        Path out = dir.resolve("collector-out");
        Path collectorYaml = collectorConfig(udpPort, metricsPort, out, key, true);
        try (DaemonRun collector = DaemonRun.start(DaemonJar.COLLECTOR, collectorYaml.toString())) {
            collector.awaitLine("listening on udp", 60);

            // 1. The sensor's stream, recorded on the wire as an attacker on the path would.
            Path wire = dir.resolve("wire.pcap");
            Process tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-U", "-n", "-w", wire.toString(),
                    "udp and dst port " + udpPort).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("tcpdump.log").toFile()).start();
            waitFor(() -> read(dir.resolve("tcpdump.log")).contains("listening on"), "tcpdump to listen", tcpdump);
            replay(capture, input, udpPort, key);
            awaitMetric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}", input.size(), collector);
            // tcpdump may still be reading the last datagrams out of its buffer: stop it once its file holds them.
            waitFor(() -> recordedAtLeast(wire, input.size()), "tcpdump to write every datagram", tcpdump);
            tcpdump.destroy();
            assertTrue(tcpdump.waitFor(30, TimeUnit.SECONDS), "tcpdump stops on SIGTERM");
            List<byte[]> recorded = udpPayloads(wire);
            assertEquals(input.size(), recorded.size(), "datagrams tcpdump recorded; " + read(dir.resolve("tcpdump.log")));
            byte[] first = recorded.get(0);
            assertEquals(1, first[7], "flags: authenticated");
            long epoch = ByteBuffer.wrap(first, 28, 8).getLong();

            // 2. Forgeries with the sensor's own source address: none may be stored or move a sequence.
            byte[] wrongKey = new byte[32];
            Arrays.fill(wrongKey, (byte) 0x42);
            byte[] keyBytes = Files.readAllBytes(key);
            byte[] coil = writeSingleCoil();
            int badAuth = 0;
            int unauthenticated = 0;
            try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", udpPort);
                for (int i = 0; i < 5; i++) {
                    send(attacker, to, authenticated(wrongKey, KEY_ID, epoch, 3_000_000L + i, coil));
                    badAuth++;
                }
                send(attacker, to, authenticated(wrongKey, KEY_ID, epoch + 1_000_000, 0, coil)); // a "restart"
                badAuth++;
                for (int i = 0; i < 3; i++) {
                    send(attacker, to, authenticated(keyBytes, 99, epoch, 3_000_000L + i, coil)); // unknown key id
                    badAuth++;
                }
                byte[] tampered = recorded.get(10).clone();
                ByteBuffer.wrap(tampered).putInt(8, 3_000_000); // the recorded tag kept
                send(attacker, to, tampered);
                badAuth++;
                for (int i = 0; i < 3; i++) {
                    send(attacker, to, plainSot1(3_000_000L + i, coil));
                    unauthenticated++;
                }
                byte[] http = "GET / HTTP/1.1\r\nHost: collector\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                send(attacker, to, http);
                send(attacker, to, coil); // a legacy raw frame
                unauthenticated += 2;
                awaitMetric(metricsPort, "secureot_rejected_total{reason=\"bad_auth\"}", badAuth, collector);
                awaitMetric(metricsPort, "secureot_rejected_total{reason=\"unauthenticated\"}", unauthenticated,
                        collector);
                // 3. Every recorded datagram again, byte for byte (in bursts the socket buffer holds).
                for (int i = 0; i < recorded.size(); i++) {
                    send(attacker, to, recorded.get(i));
                    if (i % 200 == 199) {
                        awaitMetric(metricsPort, "secureot_rejected_total{reason=\"replayed\"}", i + 1, collector);
                    }
                }
            }
            awaitMetric(metricsPort, "secureot_rejected_total{reason=\"replayed\"}", recorded.size(), collector);
            assertEquals(0, metric(metricsPort, "secureot_sequence_gaps_total"), "no forgery moved the gap counter");
            assertEquals(input.size(), metric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}"));

            // 4. The sensor again, a new run: still exact, a restart rather than a replay.
            replay(capture, input, udpPort, key);
            awaitMetric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}", 2L * input.size(),
                    collector);
            assertEquals(0, collector.stop(60), collector.log());

            String totals = collector.lastLine("final: tcp_packets=");
            assertEquals(badAuth, DaemonRun.figure(totals, "rejected_bad_auth"), totals);
            assertEquals(recorded.size(), DaemonRun.figure(totals, "rejected_replayed"), totals);
            assertEquals(unauthenticated, DaemonRun.figure(totals, "rejected_unauthenticated"), totals);
            assertEquals(0, DaemonRun.figure(totals, "sot1_gaps"), totals);
            String sensor = collector.lastLine("final: sensor probe-a (key 7):");
            assertEquals(2L * input.size(), DaemonRun.figure(sensor, "packets"), sensor);
            assertEquals(1, DaemonRun.figure(sensor, "sot1_restarts"), sensor);
            assertEquals(recorded.size(), DaemonRun.figure(sensor, "replayed"), sensor);
            String log = collector.log();
            assertTrue(log.contains("udp sender 127.0.0.1 port ") && log.contains(": refused (bad_auth): tag does not "
                    + "match the key of probe-a (key 7)"), log);
            assertTrue(log.contains(": refused (bad_auth): key id 99 is not in udp_auth.keys"), log);
            assertTrue(log.contains(": refused (unauthenticated): SOT1 datagram without authentication"), log);
            assertTrue(log.contains(": refused (unauthenticated): datagram is not authenticated SOT1"), log);
            assertTrue(log.contains(": refused (replayed): sequence "), log);

            List<Packet> twice = new ArrayList<>(input);
            twice.addAll(input);
            TestPcaps.assertSamePackets(twice, stored(out, "remote_127.0.0.1"), "the two runs, nothing else");
            assertEquals(twice.size(), tsharkCount(out), "packets tshark reads in the collector's files");
        }
    }

    @Test
    void aCollectorRestartKeepsTheSequencesAndCountsWhatWasSentWhileItWasDown() throws Exception {
        Path key = newKey("probe-a.key");
        Path capture = generatedCapture(4000);
        List<Packet> input = TestPcaps.read(capture).packets();
        int udpPort = FreePorts.udp();
        int metricsPort = FreePorts.tcp();
        Path out = dir.resolve("collector-out");
        Path collectorYaml = collectorConfig(udpPort, metricsPort, out, key, false);
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", udpPort);
        byte[] coil = writeSingleCoil();
        try (DatagramSocket plain = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
             DaemonRun first = DaemonRun.start(DaemonJar.COLLECTOR, collectorYaml.toString())) {
            first.awaitLine("listening on udp", 60);
            // A plain SOT1 sender (no key), tracked by its address and port: 0..99 before the stop.
            for (int s = 0; s < 100; s++) {
                send(plain, to, plainSot1(s, coil));
            }
            // The sensor: the whole capture in about 20 s, so that it still sends when the collector is back
            // (a JVM start takes seconds on a loaded machine); the collector stops a few hundred packets in.
            try (DaemonRun forwarder = DaemonRun.start(DaemonJar.FORWARDER, "--replay-speed",
                    String.valueOf(paceFor(input, 20)), "-r", capture.toString(),
                    forwarderConfig(udpPort, key).toString())) {
                awaitMetric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}", 100 + 300, first);
                assertEquals(0, first.stop(60), first.log());
                assertEquals(0, DaemonRun.figure(first.lastLine("final: tcp_packets="), "sot1_gaps"), first.log());
                long received1 = DaemonRun.figure(first.lastLine("final: sensor probe-a (key 7):"), "packets");

                // Sent while nobody listens: 100..149 from the plain sender; the forwarder keeps going.
                for (int s = 100; s < 150; s++) {
                    send(plain, to, plainSot1(s, coil));
                }
                Thread.sleep(500);
                try (DaemonRun second = DaemonRun.start(DaemonJar.COLLECTOR, collectorYaml.toString())) {
                    second.awaitLine("listening on udp", 60);
                    assertTrue(second.log().contains("restored the SOT1 sequences of 2 senders"), second.log());
                    for (int s = 150; s < 200; s++) {
                        send(plain, to, plainSot1(s, coil));
                    }
                    // The gap is counted when the sensor's next datagram arrives: some must come after the restart.
                    awaitMetric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}", 50 + 1, second);
                    int status = forwarder.awaitExit(300);
                    // 75: some datagrams met the closed port (ECONNREFUSED): counted as send_error, unnumbered.
                    assertTrue(status == 0 || status == 75, "forwarder exit " + status + ":\n" + forwarder.log());
                    long forwarded = sent(forwarder);
                    assertEquals(input.size(), forwarded + forwarder.finalFigure("fwd_dropped_send_error"),
                            forwarder.lastLine("final: "));
                    // Every numbered datagram is either stored (first or second run) or a gap the second run counts.
                    waitFor(() -> {
                        try {
                            return received1 + metric(metricsPort, "secureot_packets_received_total{transport=\"udp\"}")
                                    - 50 + metric(metricsPort, "secureot_sequence_gaps_total") - 50 >= forwarded;
                        } catch (IOException | InterruptedException e) {
                            return false;
                        }
                    }, "the second run to account for every forwarded datagram:\n" + second.log(), null);
                    assertEquals(0, second.stop(60), second.log());

                    String sensor = second.lastLine("final: sensor probe-a (key 7):");
                    long received2 = DaemonRun.figure(sensor, "packets");
                    long gaps = DaemonRun.figure(sensor, "sot1_gaps");
                    assertTrue(gaps > 0, "datagrams were sent while the collector was down: " + sensor);
                    assertEquals(forwarded, received1 + received2 + gaps, "stored in run 1 + stored in run 2 + gaps: "
                            + sensor + "; forwarded " + forwarded + ", first run " + received1);
                    assertEquals(0, DaemonRun.figure(sensor, "sot1_restarts"), "the same run, not a restart: " + sensor);
                    String plainLine = second.lastLine("final: sender 127.0.0.2:");
                    assertEquals(50, DaemonRun.figure(plainLine, "packets"), plainLine);
                    assertEquals(50, DaemonRun.figure(plainLine, "sot1_gaps"), "100..149 sent to the dead collector");
                    // What was stored is the input with the missed datagrams left out, in order.
                    List<Packet> stored = stored(out, "remote_127.0.0.1");
                    assertEquals(received1 + received2, stored.size());
                    assertInOrderSubsequence(input, stored);
                }
            }
        }
    }

    @Test
    void checkConfigRefusesBadKeysWithOneLineNamingTheKeyAndTheFile() throws Exception {
        Path shortKey = dir.resolve("short.key");
        Files.write(shortKey, new byte[16]);
        Path good = newKey("good.key");
        Path fwd = forwarderConfig(5000, shortKey);
        try (DaemonRun f = DaemonRun.start(DaemonJar.FORWARDER, "--check-config", fwd.toString())) {
            assertEquals(78, f.awaitExit(60), f.log());
            assertEquals("config error: forward.auth.key_file: \"" + shortKey + "\" holds 16 bytes; a key must be at "
                    + "least 32 bytes (make one with: head -c 32 /dev/urandom > FILE)", f.log().strip());
        }
        Path col = collectorConfig(5000, 9110, dir.resolve("out"), good, true);
        Files.writeString(col, Files.readString(col) + "    - {key_id: 7, key_file: \"" + good
                + "\", sensor_name: \"probe-b\"}\n");
        try (DaemonRun c = DaemonRun.start(DaemonJar.COLLECTOR, "--check-config", col.toString())) {
            assertEquals(78, c.awaitExit(60), c.log());
            assertEquals("config error: udp_auth.keys[1].key_id: 7 is already the id of udp_auth.keys[0] (each key "
                    + "needs its own id)", c.log().strip());
        }
    }

    // ---- the sensor and the collector

    private void replay(Path capture, List<Packet> input, int port, Path key) throws Exception {
        try (DaemonRun f = DaemonRun.start(DaemonJar.FORWARDER, "--replay-speed", String.valueOf(paceFor(input, 2)),
                "-r", capture.toString(), forwarderConfig(port, key).toString())) {
            assertEquals(0, f.awaitExit(300), f.log());
            assertEquals(input.size(), sent(f), f.lastLine("final: "));
            assertTrue(f.log().contains("sending authenticated SOT1 datagrams to udp 127.0.0.1:" + port + " (key id 7"),
                    f.log());
        }
    }

    /** Datagrams the forwarder's socket took: {@code forwarded=}, or {@code sent=} where the UDP summary says so. */
    private static long sent(DaemonRun forwarder) {
        String line = forwarder.lastLine("final: ");
        return line.contains(" sent=") ? DaemonRun.figure(line, "sent") : forwarder.finalFigure("forwarded");
    }

    private Path forwarderConfig(int port, Path key) throws IOException {
        Path config = dir.resolve("forwarder.yaml");
        Files.writeString(config, ForwarderYaml.replayTo(dir.resolve("forwarder-out"), 64, port, "udp")
                + "  auth:\n"
                + "    key_id: " + KEY_ID + "\n"
                + "    key_file: \"" + key + "\"\n");
        return config;
    }

    private Path collectorConfig(int udpPort, int metricsPort, Path out, Path key, boolean require) throws IOException {
        Path config = dir.resolve("collector.yaml");
        Files.writeString(config, CollectorYaml.of(udpPort, "udp", PREFIX, out, metricsPort, "")
                + "require_authentication: " + require + "\n"
                + "udp_auth:\n"
                + "  keys:\n"
                + "    - {key_id: " + KEY_ID + ", key_file: \"" + key + "\", sensor_name: \"probe-a\"}\n");
        return config;
    }

    /** A key made as docs/deployment.md says. */
    private Path newKey(String name) throws Exception {
        Path key = dir.resolve(name);
        DaemonRun.command("bash", "-c", "umask 077 && head -c 32 /dev/urandom > '" + key + "'");
        return key;
    }

    private Path generatedCapture(int packets) throws Exception {
        Path capture = dir.resolve("generated-" + packets + ".pcap");
        DaemonRun.command(DaemonRun.java(), "-cp", DaemonJar.FORWARDER.toString(),
                "com.secureot.pcap.tools.TrafficGenerator", "--packets", String.valueOf(packets), "--hosts", "20",
                // Within one clock hour (22:00 to 23:00 UTC), so that the two runs follow each other in its files.
                "--hours", "1", "--start", "1699999200", "--max-size", "1400", "--nano", capture.toString());
        return capture;
    }

    /** A replay speed that plays {@code packets} in about {@code seconds} (never slower than real time). */
    private static double paceFor(List<Packet> packets, int seconds) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Packet p : packets) {
            long ns = p.sec() * 1_000_000_000L + p.nanos();
            first = Math.min(first, ns);
            last = Math.max(last, ns);
        }
        return Math.max(1.0, (last - first) / (double) TimeUnit.SECONDS.toNanos(seconds));
    }

    // ---- datagrams written from docs/wire-formats.md

    /** An authenticated SOT1 datagram tagged with the JCE's HmacSHA256 under {@code key}. */
    private static byte[] authenticated(byte[] key, long keyId, long epoch, long sequence, byte[] frame)
            throws Exception {
        ByteBuffer b = ByteBuffer.allocate(40 + frame.length + 16);
        b.putInt(0x534F5431).putShort((short) 1).putShort((short) 1).putInt((int) sequence)
                .putLong(1_700_000_000_000_000_000L).putInt(frame.length).putInt((int) keyId).putLong(epoch)
                .putInt((int) (sequence >>> 32)).put(frame);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(b.array(), 0, b.position());
        b.put(mac.doFinal(), 0, 16);
        return b.array();
    }

    private static byte[] plainSot1(long sequence, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(24 + frame.length);
        b.putInt(0x534F5431).putShort((short) 1).putShort((short) 0).putInt((int) sequence)
                .putLong(1_700_000_000_000_000_000L + sequence).putInt(frame.length).put(frame);
        return b.array();
    }

    /** Modbus/TCP "Write Single Coil" (function 5, coil 1 on) from an engineering station to a PLC. */
    private static byte[] writeSingleCoil() {
        byte[] modbus = {0, 1, 0, 0, 0, 6, 1, 5, 0, 1, (byte) 0xFF, 0};
        byte[] tcp = ByteBuffer.allocate(20 + modbus.length).putShort((short) 49152).putShort((short) 502)
                .putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x18).putShort((short) 8192).putInt(0)
                .put(modbus).array();
        byte[] ip = TestPcaps.ipv4("10.0.0.5", "10.0.0.10", tcp);
        ip[9] = 6; // TCP
        return TestPcaps.ethernet(0x0800, ip);
    }

    private static void send(DatagramSocket s, InetSocketAddress to, byte[] d) throws IOException {
        s.send(new DatagramPacket(d, d.length, to));
    }

    /** The UDP payloads of an IPv4 capture on lo (Ethernet link type, as tcpdump records lo). */
    /** True when {@code wire} (written by tcpdump -U, possibly mid-record) already holds {@code n} records. */
    private static boolean recordedAtLeast(Path wire, int n) {
        try {
            return TestPcaps.read(wire).packets().size() >= n;
        } catch (IOException | RuntimeException e) {
            return false; // a record still being written
        }
    }

    private static List<byte[]> udpPayloads(Path wire) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (Packet p : TestPcaps.read(wire).packets()) {
            byte[] f = p.data();
            int ip = 14;
            int ihl = (f[ip] & 0x0F) * 4;
            int udp = ip + ihl;
            int len = ((f[udp + 4] & 0xFF) << 8 | (f[udp + 5] & 0xFF)) - 8;
            out.add(Arrays.copyOfRange(f, udp + 8, udp + 8 + len));
        }
        return out;
    }

    // ---- reading the collector

    private double metric(int port, String series) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private void awaitMetric(int port, String series, long atLeast, DaemonRun daemon) throws InterruptedException {
        waitFor(() -> {
            try {
                return daemon.alive() && metric(port, series) >= atLeast;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, series + " >= " + atLeast + "; log:\n" + daemon.log(), null);
    }

    private static void waitFor(BooleanSupplier c, String what, Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline || (p != null && !p.isAlive())) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return "";
        }
    }

    /** Every packet of the prefix's files, hour by hour, parts in order ({@code _HH.pcap}, {@code _HH-1.pcap}...). */
    private static List<Packet> stored(Path out, String prefix) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "_(\\d{8}_\\d{2})(?:-(\\d+))?\\.pcap");
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.filter(f -> name.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path f) -> part(name, f, 1))
                            .thenComparing(f -> Integer.parseInt(part(name, f, 2))))
                    .toList();
        }
        List<Packet> all = new ArrayList<>();
        for (Path f : files) {
            all.addAll(TestPcaps.read(f).packets());
        }
        return all;
    }

    private static String part(Pattern name, Path f, int group) {
        Matcher m = name.matcher(f.getFileName().toString());
        m.matches();
        return m.group(group) == null ? "0" : m.group(group);
    }

    /** Packets tshark counts in the collector's pcap files (it fails on a file it cannot read). */
    private static long tsharkCount(Path out) throws Exception {
        long n = 0;
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(f -> f.toString().endsWith(".pcap")).toList()) {
                n += DaemonRun.command("tshark", "-r", f.toString(), "-T", "fields", "-e", "frame.number").lines()
                        .filter(l -> l.matches("\\d+")).count(); // not its warnings (running as root...)
            }
        }
        return n;
    }

    private static void assertInOrderSubsequence(List<Packet> input, List<Packet> stored) {
        int i = 0;
        for (int s = 0; s < stored.size(); s++) {
            while (i < input.size() && !input.get(i).equals(stored.get(s))) {
                i++;
            }
            assertTrue(i < input.size(), "stored packet " + s + " is not the next of the input: " + stored.get(s));
            i++;
        }
    }
}
