package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * UDP forwarding on loopback to a plain datagram socket. The SOT1 decoder below is written from
 * the byte layout in docs/wire-formats.md, not with the project's {@code Sot1.decode}.
 */
class UdpSot1IT {
    private static final Path RMEM_MAX = Path.of("/proc/sys/net/core/rmem_max");
    private static final int RECEIVE_BUFFER = 64 << 20;
    private static String savedRmemMax;

    @TempDir
    static Path shared;
    static Path generated;

    /** Loopback delivers synchronously: every datagram must fit in the receiver's buffer. */
    @BeforeAll
    static void setUp() throws Exception {
        generated = Fixtures.generatedNanoCapture(shared, 3000);
        if (Files.isWritable(RMEM_MAX)) {
            savedRmemMax = DaemonRun.command("sysctl", "-n", "net.core.rmem_max").trim();
            if (Long.parseLong(savedRmemMax) < RECEIVE_BUFFER) {
                DaemonRun.command("sysctl", "-qw", "net.core.rmem_max=" + RECEIVE_BUFFER);
            }
        }
    }

    @AfterAll
    static void restore() throws Exception {
        if (savedRmemMax != null) {
            DaemonRun.command("sysctl", "-qw", "net.core.rmem_max=" + savedRmemMax);
        }
    }

    /** One decoded SOT1 datagram. */
    record Sot1Datagram(int linkType, int flags, long sequence, long timestampNanos, long origLen, byte[] data) {
        static Sot1Datagram decode(byte[] d) {
            if (d.length < 24) {
                throw new AssertionError("datagram of " + d.length + " bytes is shorter than the SOT1 header");
            }
            long magic = u32(d, 0);
            if (magic != 0x534F5431L) {
                throw new AssertionError(String.format("magic %08x (expected 534f5431)", magic));
            }
            long ts = 0;
            for (int i = 12; i < 20; i++) {
                ts = (ts << 8) | (d[i] & 0xFF);
            }
            return new Sot1Datagram(u16(d, 4), u16(d, 6), u32(d, 8), ts, u32(d, 20),
                    Arrays.copyOfRange(d, 24, d.length));
        }

        private static int u16(byte[] d, int o) {
            return ((d[o] & 0xFF) << 8) | (d[o + 1] & 0xFF);
        }

        private static long u32(byte[] d, int o) {
            return ((long) (d[o] & 0xFF) << 24) | ((d[o + 1] & 0xFF) << 16) | ((d[o + 2] & 0xFF) << 8)
                    | (d[o + 3] & 0xFF);
        }
    }

    @Test
    void sot1DeliversEveryPacketOfARealCaptureWithSequenceZeroToNMinusOne(@TempDir Path dir) throws Exception {
        Path input = Fixtures.sharedCaptures().stream().filter(p -> p.endsWith("bacnet_example.pcap"))
                .findFirst().orElse(null);
        assumeTrue(input != null, "shared captures absent");
        checkSot1(input, dir, 65507);
    }

    @Test
    void sot1CutsLongPacketsToTheDatagramLimitAndKeepsOrigLen(@TempDir Path dir) throws Exception {
        checkSot1(generated, dir, 500);
    }

    @Test
    void rawFormatSendsTheBareFrames(@TempDir Path dir) throws Exception {
        List<PcapRecords.Packet> expected = PcapRecords.read(generated);
        List<byte[]> got = replay(generated, dir, "format: \"raw\"\nmax_datagram_bytes: 1000\n");
        assertEquals(expected.size(), got.size(), "datagrams received");
        for (int i = 0; i < got.size(); i++) {
            byte[] frame = expected.get(i).data();
            assertArrayEquals(Arrays.copyOf(frame, Math.min(frame.length, 1000)), got.get(i), "datagram " + i);
        }
    }

    private void checkSot1(Path input, Path dir, int maxDatagram) throws Exception {
        List<PcapRecords.Packet> expected = PcapRecords.read(input);
        List<byte[]> got = replay(input, dir, "max_datagram_bytes: " + maxDatagram + "\n");
        assertEquals(expected.size(), got.size(), "datagrams received");
        for (int i = 0; i < got.size(); i++) {
            Sot1Datagram d = Sot1Datagram.decode(got.get(i));
            PcapRecords.Packet p = expected.get(i);
            assertEquals(i, d.sequence(), "sequence of datagram " + i);
            assertEquals(0, d.flags());
            assertEquals(p.linkType(), d.linkType(), "linktype of datagram " + i);
            assertEquals(p.sec() * 1_000_000_000L + p.nanos(), d.timestampNanos(), "timestamp of datagram " + i);
            assertEquals(p.origLen(), d.origLen(), "orig_len of datagram " + i);
            byte[] frame = p.data();
            assertArrayEquals(Arrays.copyOf(frame, Math.min(frame.length, maxDatagram - 24)), d.data(),
                    "data of datagram " + i);
        }
    }

    /** Replays {@code input} to a loopback UDP socket; returns the datagrams in arrival order. */
    private List<byte[]> replay(Path input, Path dir, String extraKeys) throws Exception {
        try (DatagramChannel rx = DatagramChannel.open()) {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            rx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) rx.getLocalAddress()).getPort();
            Path cfg = Fixtures.config(dir, "forwarder.yaml", "lo", dir.resolve("out"),
                    "enable: true\nhost: \"127.0.0.1\"\nport: " + port + "\nprotocol: \"udp\"\n" + extraKeys);
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString(),
                    "--read-file", input.toString())) {
                assertEquals(0, fwd.awaitExit(300), fwd.log());
                assertEquals(PcapRecords.read(input).size(), fwd.finalFigure("sent"));
            }
            // Loopback hands each datagram to the receiver's buffer during the send: all are there.
            rx.configureBlocking(false);
            List<byte[]> out = new ArrayList<>();
            ByteBuffer b = ByteBuffer.allocate(65536);
            while (rx.receive(b.clear()) != null) {
                out.add(Arrays.copyOf(b.array(), b.position()));
            }
            return out;
        }
    }
}
