package com.secureot.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: PCAP-over-IP streams that are odd but real, written byte by byte by the test and sent
 * over TCP: whatever is stored reads whole with tshark, records are stored as they came, and what
 * cannot be stored is refused per stream with one line naming the sender; the collector keeps
 * serving.
 */
class OddStreamsIT {
    private static final long T = 1_700_000_000L; // 2023-11-14 22:13:20 UTC

    @TempDir
    Path dir;

    private static ByteBuffer header(ByteOrder order, int magic, int snaplen, long link) {
        ByteBuffer b = ByteBuffer.allocate(24).order(order);
        return b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snaplen)
                .putInt((int) link);
    }

    private static byte[] record(ByteOrder order, long sec, long frac, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(order);
        return b.putInt((int) sec).putInt((int) frac).putInt(data.length).putInt(data.length).put(data).array();
    }

    private static byte[] frame(int bytes, int seed) {
        byte[] f = com.secureot.pcap.testing.TestPcaps.ipv4Frame("10.1.0." + seed, "10.1.0.100", bytes - 34);
        return f;
    }

    private static byte[] concat(byte[]... parts) {
        return com.secureot.pcap.testing.TestPcaps.concat(parts);
    }

    @Test
    void oddStreamsAreStoredAsTheyCameOrRefusedWithOneLineAndTheCollectorKeepsServing() throws Exception {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        try (CollectorProcess c = new CollectorProcess(dir, "")) {
            // 1. A record larger than the stream's own snaplen (100): the file's header must cover it.
            byte[] s1 = concat(header(le, 0xA1B2C3D4, 100, 1).array(), record(le, T, 1, frame(60, 1)),
                    record(le, T + 1, 2, frame(200, 1)), record(le, T + 2, 3, frame(60, 1)));
            send("127.0.2.1", c.tcpPort, s1);
            // 2. A second global header mid-stream (another byte order, resolution and link type).
            byte[] s2 = concat(header(le, 0xA1B2C3D4, 65535, 1).array(), record(le, T, 5, frame(60, 2)),
                    header(ByteOrder.BIG_ENDIAN, 0xA1B23C4D, 65535, 101).array(),
                    record(ByteOrder.BIG_ENDIAN, T + 1, 6, java.util.Arrays.copyOfRange(frame(60, 2), 14, 60)));
            send("127.0.2.2", c.tcpPort, s2);
            // 3. Reserved and garbage link types: refused, nothing stored.
            CollectorIT.sendIgnoringReset("127.0.2.3", c.tcpPort,
                    concat(header(le, 0xA1B2C3D4, 65535, 65535).array(), record(le, T, 0, frame(60, 3))));
            CollectorIT.sendIgnoringReset("127.0.2.4", c.tcpPort,
                    concat(header(le, 0xA1B2C3D4, 65535, 0xFFFFFFFFL).array(), record(le, T, 0, frame(60, 4))));
            // 4. Sub-second fields out of range, microsecond and nanosecond: kept as they came.
            byte[] microOdd = record(le, T, 1_500_000, frame(60, 5));
            // Above 4 294 967 us, which no longer fits 32 bits as nanoseconds (refused as bad_record before).
            byte[] microOddest = record(le, T + 1, 0xFFFFFFFFL, frame(61, 5));
            byte[] nanoOdd = record(le, T, 0xFFFFFFFFL, frame(60, 6));
            send("127.0.2.5", c.tcpPort, concat(header(le, 0xA1B2C3D4, 65535, 1).array(), microOdd, microOddest));
            send("127.0.2.6", c.tcpPort, concat(header(le, 0xA1B23C4D, 65535, 1).array(), nanoOdd));
            c.awaitReceived("tcp", 3 + 2 + 2 + 1);
            c.waitFor(() -> c.logText().contains("sender 127.0.2.4 port"), "the refusal of 127.0.2.4");
            assertTrue(c.alive(), "still serving after hostile input");
            assertEquals(0, c.stop());

            String log = c.logText();
            CollectorIT.assertOneLine(log, "127.0.2.3", "bad_header");
            CollectorIT.assertOneLine(log, "127.0.2.4", "bad_header");
            assertTrue(log.contains("link type 65535, which is reserved or unknown"), log);
            assertTrue(log.contains("link type 4294967295 (0xFFFFFFFF)"), log);
            assertFalse(log.contains("Exception"), "no stack trace:\n" + log);
            assertTrue(files(c.out, "remote_127.0.2.3").isEmpty() && files(c.out, "remote_127.0.2.4").isEmpty());

            // Every file reads whole with tshark (which misread the whole file before: 168 packets for 3).
            CollectorIT.assertTsharkReadsEveryFile(c.out);
            assertEquals(3, tsharkCount(files(c.out, "remote_127.0.2.1")), "the over-snaplen stream");
            List<PcapRecords.Packet> two = PcapRecords.readSeries(c.out, "remote_127.0.2.2");
            assertEquals(2, two.size(), "no 0-byte record dated 2055: " + two);
            assertEquals(List.of(1, 101), two.stream().map(PcapRecords.Packet::linkType).sorted().toList());
            assertEquals(2, tsharkCount(files(c.out, "remote_127.0.2.2")));
            // The record bytes (header fields included) exactly as sent.
            assertArrayEquals(concat(microOdd, microOddest), java.util.Arrays.copyOfRange(
                    Files.readAllBytes(files(c.out, "remote_127.0.2.5").get(0)), 24, 24 + microOdd.length
                            + microOddest.length));
            assertEquals(1, files(c.out, "remote_127.0.2.5").size(), "one file: the hour of the seconds field");
            assertArrayEquals(nanoOdd, firstRecordBytes(files(c.out, "remote_127.0.2.6").get(0)));
        }
    }

    @Test
    void theDefaultIpv4BindAddressAcceptsNoIpv6Sender() throws Exception {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
            // ::1 is there: an IPv6 connection could reach a dual-stack socket.
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here");
        }
        try (CollectorProcess c = new CollectorProcess(dir, "")) { // bind_address: "0.0.0.0" (the default)
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("::1", c.tcpPort), 5000);
                org.junit.jupiter.api.Assertions.fail("an IPv6 sender was accepted on the IPv4-only default");
            } catch (java.net.ConnectException refused) {
                // no IPv6 socket listens
            }
            send("127.0.2.9", c.tcpPort, concat(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1).array(),
                    record(ByteOrder.LITTLE_ENDIAN, T, 0, frame(60, 9))));
            c.awaitReceived("tcp", 1);
            assertEquals(0, c.stop());
        }
    }

    @Test
    void aWriterThreadThatDiesStopsTheCollectorWithExit70AndItsShareCounted() throws Exception {
        int tcp = com.secureot.pcap.testing.FreePorts.tcp();
        Path config = dir.resolve("c.yaml");
        Files.writeString(config, "port: " + tcp + "\nbind_address: \"127.0.0.1\"\n"
                + "default_output_prefix: \"remote_{sender_ip}\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + dir.resolve("out") + "\"\n"
                + "rotation:\n  timezone: UTC\n  writer_threads: 1\n");
        Path log = dir.resolve("collector.log");
        // The test hook (see StoreWriter): the only writer dies at its 50th packet.
        Process p = new ProcessBuilder(CollectorProcess.javaBin(), "-Dsecureot.test.fail_writer=0:50", "-jar",
                CollectorProcess.JAR.toAbsolutePath().toString(), config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + 30_000_000_000L;
            while (!Files.readString(log).contains("listening on tcp") && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            List<byte[]> parts = new java.util.ArrayList<>();
            parts.add(header(ByteOrder.LITTLE_ENDIAN, 0xA1B2C3D4, 65535, 1).array());
            for (int i = 0; i < 200; i++) {
                parts.add(record(ByteOrder.LITTLE_ENDIAN, T + i, 0, frame(60, 8)));
            }
            CollectorIT.sendIgnoringReset("127.0.2.8", tcp, concat(parts.toArray(new byte[0][])));
            // No SIGTERM: the failure alone ends the collector, so that systemd restarts it.
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), Files.readString(log));
            String text = Files.readString(log);
            assertEquals(70, p.exitValue(), text);
            String fin = text.lines().filter(l -> l.contains("final: ") && l.contains(" captured=")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no final totals line:\n" + text));
            long captured = figure(fin, "captured");
            long written = figure(fin, "written");
            long lost = figure(fin, "dropped_internal_error");
            assertTrue(lost > 0, fin);
            assertEquals(captured, written + lost, "every packet written or counted: " + fin);
            assertEquals(0, figure(fin, "in_flight"), fin);
            assertEquals(written, PcapRecords.readSeries(dir.resolve("out"), "remote_127.0.2.8").size(),
                    "what was written before the failure is in a whole file");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private static long figure(String line, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[ :]" + key + "=(\\d+)").matcher(line);
        assertTrue(m.find(), key + " in " + line);
        return Long.parseLong(m.group(1));
    }

    private static void send(String source, int port, byte[] bytes) throws IOException {
        try (java.net.Socket s = CollectorIT.connect(source, port)) {
            s.getOutputStream().write(bytes);
        }
    }

    private static List<Path> files(Path out, String prefix) throws IOException {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix + "_")).sorted().toList();
        }
    }

    private static long tsharkCount(List<Path> files) throws Exception {
        long n = 0;
        for (Path f : files) {
            Process p = new ProcessBuilder("tshark", "-r", f.toString(), "-T", "fields", "-e", "frame.number")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            n += new String(p.getInputStream().readAllBytes()).lines().filter(l -> !l.isBlank()).count();
            assertEquals(0, p.waitFor(), "tshark -r " + f);
        }
        return n;
    }

    private static byte[] firstRecordBytes(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int capLen = b.getInt(24 + 8);
        return java.util.Arrays.copyOfRange(all, 24, 24 + 16 + capLen);
    }
}
