package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A collector that accepts the connection and then never reads: the replay must still end in
 * bounded time (one drain timeout for the queue, one for the end), exit 75 with the count of what
 * was not forwarded, and leave complete local files.
 */
class StalledCollectorIT {
    @Test
    void aReplayToACollectorThatNeverReadsEndsInBoundedTimeAndCountsWhatWasNotForwarded(@TempDir Path dir)
            throws Exception {
        Path input = Fixtures.generatedCapture(dir, "big.pcap", 30_000, 21); // ~21 MB: more than socket buffers
        List<PcapRecords.Packet> expected = PcapRecords.read(input);
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.add(server.accept()); // and never read from it
                } catch (Exception e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            Path out = dir.resolve("out");
            String forward = "enable: true\nhost: \"127.0.0.1\"\nport: " + server.getLocalPort()
                    + "\nprotocol: \"tcp\"\ndrain_timeout_seconds: 2\nsend_buffer_kb: 16\n";
            // A small queue (8 batches, 4 for forwarding) so that the input does not fit in it.
            Path cfg = java.nio.file.Files.writeString(dir.resolve("f.yaml"), "capture:\n  interface: lo\n"
                    + "  queue_size_mb: 2\ndefault_output_prefix: \"{src_ip}\"\n"
                    + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                    + "forward:\n" + forward.indent(2));
            long start = System.nanoTime();
            try (DaemonRun fwd = DaemonRun.start(DaemonJar.FORWARDER, cfg.toString(),
                    "--read-file", input.toString())) {
                assertEquals(75, fwd.awaitExit(60), fwd.log());
                double seconds = (System.nanoTime() - start) / 1e9;
                // Not a timing assertion of speed: it proves the wait is bounded, not per batch
                // (30 000 packets in ~80 batches would take minutes at 2 s each).
                assertTrue(seconds < 30, "took " + seconds + " s:\n" + fwd.log());
                long captured = fwd.finalFigure("captured");
                long forwarded = fwd.finalFigure("forwarded");
                long notForwarded = fwd.finalFigure("fwd_dropped_queue_full") + fwd.finalFigure("fwd_dropped_not_connected")
                        + fwd.finalFigure("fwd_dropped_send_error");
                assertEquals(expected.size(), captured);
                assertTrue(notForwarded > 0, fwd.log());
                assertEquals(captured, forwarded + notForwarded, "every packet forwarded or counted:\n" + fwd.log());
                fwd.awaitLine(notForwarded + " of " + captured + " packets were not forwarded", 1);
                assertEquals(expected.size(), fwd.finalFigure("written"));
            } finally {
                for (Socket s : accepted) {
                    s.close();
                }
            }
            assertEquals(expected.size(), Fixtures.localPackets(out).size(), "the local files are complete");
        }
    }
}
