package com.secureot.remote.sot2;

import com.secureot.pcap.metrics.CollectorMetrics;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.pipeline.BatchPublisher;
import com.secureot.pcap.pipeline.ConsumerWorker;
import com.secureot.pcap.pipeline.StoreWorkers;
import com.secureot.pcap.store.StoreTiming;
import com.secureot.pcap.wire.Sot2;
import com.secureot.pcap.wire.Sot2Exception;
import com.secureot.remote.config.CollectorConfig;
import com.secureot.remote.sender.Sender;
import com.secureot.remote.sender.SenderRegistry;
import com.secureot.remote.sender.SenderRouter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector's SOT2 session without a socket: a sensor that never sees its acknowledgements,
 * reconnects before its old connection ended, and resends from the start; a collector that is
 * restarted, and one that dies with records in its files that it never acknowledged. The real
 * store writes real files, which the test reads back: every record is there exactly once.
 */
class Sot2SessionTest {
    private static final long STREAM = 0x5eed5eed5eedL;
    private static final int LINK_ETHERNET = 1;

    /** A running collector pipeline over one output folder. */
    private static final class Collector implements AutoCloseable {
        final CollectorMetrics metrics = new CollectorMetrics();
        final Sot2Streams streams;
        final StoreWorkers writers;
        final BatchPool pool = new BatchPool(16, 256 << 10, 4096);
        final Sender sender = new SenderRegistry(List.of()).of(InetAddress.getLoopbackAddress());

        Collector(CollectorConfig cfg) throws IOException {
            streams = Sot2Streams.open(cfg.storage().outputDir(), false);
            writers = new StoreWorkers(cfg.storage(), metrics.storage, Clock.systemUTC(), StoreTiming.LIVE, 16,
                    n -> new SenderRouter(cfg.storage().rules(), cfg.storage().defaultPrefix(), n));
            writers.workers().forEach(ConsumerWorker::start);
        }

        Connection connect(String name) {
            return new Connection(this, name);
        }

        @Override
        public void close() throws InterruptedException {
            for (ConsumerWorker w : writers.workers()) {
                w.close();
            }
            streams.close();
        }
    }

    /** One TCP connection as the session sees it: acks land in a list the sensor may ignore. */
    private static final class Connection implements Sot2Session.Output {
        final BatchPublisher publisher;
        final Sot2Session session;
        final List<Long> acks = new CopyOnWriteArrayList<>();
        volatile boolean closedByCollector;
        long welcomeResume = -1;
        int welcomeStatus = -1;
        /** Work the session hands back to its own thread (here: the test's). */
        final java.util.concurrent.ConcurrentLinkedQueue<Runnable> later = new java.util.concurrent.ConcurrentLinkedQueue<>();

        Connection(Collector c, String name) {
            publisher = new BatchPublisher(c.pool, c.writers.workers(), c.writers.newRouter(), c.metrics.storage,
                    true, 200);
            session = new Sot2Session(c.streams, publisher, c.sender, c.writers.workers().size(), c.metrics,
                    65535, null, this, name);
        }

        @Override
        public void send(ByteBuffer frame) {
            ByteBuffer f = frame.duplicate().order(ByteOrder.BIG_ENDIAN);
            if (f.getInt(f.position()) == Sot2.MAGIC) {
                welcomeStatus = f.get(f.position() + 5);
                welcomeResume = f.getLong(f.position() + 8);
            } else if ((f.get(f.position()) & 0xFF) == Sot2.ACK) {
                acks.add(f.getLong(f.position() + 8));
            }
            frame.position(frame.limit());
        }

        @Override
        public void close() {
            closedByCollector = true;
            session.end(); // the connection's thread would see its socket closed and end the session
        }

        @Override
        public void later(Runnable task, long delayMillis) {
            later.add(task);
        }

        void runLater() {
            Runnable r;
            while ((r = later.poll()) != null) {
                r.run();
            }
        }

        /** Feeds bytes in pieces of random sizes, as TCP delivers them. */
        void feed(byte[] bytes, Random rnd) throws Exception {
            int off = 0;
            while (off < bytes.length) {
                int n = Math.min(bytes.length - off, 1 + rnd.nextInt(3000));
                int used = session.received(bytes, off, n);
                off += used;
                if (used < n) {
                    Thread.sleep(1); // every batch in use: the writers free one
                }
                runLater();
            }
        }

        long awaitAck(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                for (Long a : acks) {
                    if (a >= atLeast) {
                        return a;
                    }
                }
                try {
                    runLater();
                    session.idle();
                } catch (Sot2Exception e) {
                    throw new AssertionError(e);
                }
                Thread.sleep(10);
            }
            throw new AssertionError("no ack of " + atLeast + " within 10 s; acks " + acks);
        }
    }

    private static CollectorConfig config(Path out) throws Exception {
        Map<String, Object> doc = new Yaml().load("""
                port: 5000
                default_output_prefix: "sensor_{sender_ip}"
                output_directories:
                  pcap_raw_output_path: "%s"
                """.formatted(out));
        return CollectorConfig.from(doc);
    }

    private static byte[] hello() {
        ByteBuffer b = ByteBuffer.allocate(Sot2.HELLO_FIXED_BYTES + 32);
        Sot2.putHello(b, STREAM, "plant-7");
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** A batch frame with records first..last; each record's payload names its sequence. */
    private static byte[] batch(long first, long last) {
        int n = (int) (last - first + 1);
        ByteBuffer b = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES + Sot2.BATCH_HEADER_BYTES
                + n * (Sot2.RECORD_HEADER_BYTES + 64)).order(ByteOrder.BIG_ENDIAN);
        b.position(Sot2.FRAME_HEADER_BYTES);
        Sot2.putBatchHeader(b, first, n, 65535);
        for (long s = first; s <= last; s++) {
            byte[] data = payload(s);
            // One capture hour for every record: the files' order is the publish order.
            Sot2.putRecordHeader(b, 1_700_000_000_000_000_000L + s * 1000, data.length + 4, data.length,
                    LINK_ETHERNET, Sot2.RECORD_NANO);
            b.put(data);
        }
        int end = b.position();
        b.putInt(4, end - Sot2.FRAME_HEADER_BYTES).put(0, (byte) Sot2.BATCH);
        return java.util.Arrays.copyOf(b.array(), end);
    }

    private static byte[] payload(long s) {
        byte[] d = new byte[40 + (int) (s % 17)];
        ByteBuffer.wrap(d).putLong(s).putLong(~s);
        return d;
    }

    /** The sequences stored in every pcap file of the folder, counted. */
    private static TreeMap<Long, Integer> stored(Path out) throws IOException {
        TreeMap<Long, Integer> seen = new TreeMap<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".pcap")).toList()) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
                int pos = 24;
                while (pos < b.limit()) {
                    int cap = b.getInt(pos + 8);
                    long seq = b.order(ByteOrder.BIG_ENDIAN).getLong(pos + 16);
                    b.order(ByteOrder.LITTLE_ENDIAN);
                    assertEquals(payload(seq).length, cap, p + ": record at " + pos);
                    seen.merge(seq, 1, Integer::sum);
                    pos += 16 + cap;
                }
                assertEquals(b.limit(), pos, p + " ends inside a record");
            }
        }
        return seen;
    }

    private static void assertExactlyOnce(TreeMap<Long, Integer> seen, long last) {
        List<String> wrong = new ArrayList<>();
        for (long s = 1; s <= last; s++) {
            int n = seen.getOrDefault(s, 0);
            if (n != 1) {
                wrong.add(s + "x" + n);
            }
        }
        if (seen.lastKey() > last) {
            wrong.add("beyond " + last + ": " + seen.tailMap(last, false).keySet());
        }
        assertTrue(wrong.isEmpty(), "sequences not stored exactly once: " + wrong.subList(0, Math.min(20,
                wrong.size())) + (wrong.size() > 20 ? " ..." : ""));
    }

    @Test
    void aSensorThatLosesItsAcksAndReconnectsOutOfOrderHasEachRecordStoredOnceAcrossARestart(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        CollectorConfig cfg = config(out);
        Random rnd = new Random(7);
        try (Collector c = new Collector(cfg)) {
            Connection a = c.connect("conn-a");
            a.feed(hello(), rnd);
            assertEquals(0, a.welcomeResume);
            for (long s = 1; s <= 300; s += 100) {
                a.feed(batch(s, s + 99), rnd);
            }
            a.awaitAck(300); // sent, but the sensor never reads it

            // The sensor reconnects while the collector still holds the first connection: that one is
            // closed and this attempt refused; the sensor's next attempt takes over. Not having seen
            // any ack, it resends everything from the start, then new records.
            Connection refused = c.connect("conn-b0");
            assertThrows(Sot2Exception.class, () -> refused.feed(hello(), rnd));
            assertEquals(Sot2.REFUSED, refused.welcomeStatus);
            assertTrue(a.closedByCollector, "the older connection is closed when the stream reconnects");
            Connection b = null;
            for (int attempt = 0; attempt < 500 && b == null; attempt++) {
                Connection next = c.connect("conn-b" + (attempt + 1));
                try {
                    next.feed(hello(), rnd);
                    b = next;
                } catch (Sot2Exception e) {
                    Thread.sleep(10); // the older connection's last records are being committed
                }
            }
            assertTrue(b != null, "the reconnect took over within 5 s");
            assertEquals(300, b.welcomeResume, "the welcome says what is stored");
            assertThrows(Sot2Exception.class, () -> a.session.received(batch(301, 310), 0, 100),
                    "the stale connection may not publish any more");
            for (long s = 1; s <= 500; s += 50) {
                b.feed(batch(s, s + 49), rnd);
            }
            assertEquals(500, b.awaitAck(500));
            b.session.end();
            assertEquals(300, c.metrics.sot2Duplicates.get());
        }
        assertExactlyOnce(stored(out), 500);

        // Restarted collector: the stream's state was kept under the output folder.
        try (Collector c = new Collector(cfg)) {
            Connection d = c.connect("conn-d");
            d.feed(hello(), rnd);
            assertEquals(Sot2.ACCEPTED, d.welcomeStatus);
            assertEquals(500, d.welcomeResume);
            d.feed(batch(451, 600), rnd);
            assertEquals(600, d.awaitAck(600));
            d.session.end();
            assertEquals(50, c.metrics.sot2Duplicates.get());
            assertEquals(100, c.metrics.sot2Records.get());
        }
        assertExactlyOnce(stored(out), 600);

        // A collector that dies with records in its files it never acknowledged: they are
        // written out (as a full buffer or the flush period would), but no barrier ran.
        try (Collector c = new Collector(cfg)) {
            Connection e = c.connect("conn-e");
            e.feed(hello(), rnd);
            byte[] f = batch(601, 700);
            e.feed(java.util.Arrays.copyOf(f, f.length - 10), rnd); // the batch's end never arrives
            e.publisher.flush();
        } // the writers close their files: the records are in them, uncommitted
        assertEquals(1, stored(out).getOrDefault(650L, 0), "the uncommitted records reached the files");

        try (Collector c = new Collector(cfg)) { // recovery cuts them back
            Connection g = c.connect("conn-g");
            g.feed(hello(), rnd);
            assertEquals(600, g.welcomeResume);
            g.feed(batch(601, 700), rnd);
            assertEquals(700, g.awaitAck(700));
            g.session.end();
        }
        assertExactlyOnce(stored(out), 700);
    }

    @Test
    void skippedRecordsLetTheAcknowledgementPassTheirGap(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Random rnd = new Random(3);
        try (Collector c = new Collector(config(out))) {
            Connection a = c.connect("conn");
            a.feed(hello(), rnd);
            a.feed(batch(1, 10), rnd);
            ByteBuffer k = ByteBuffer.allocate(Sot2.FRAME_HEADER_BYTES + 18);
            Sot2.putSkip(k, 11, 40, Sot2.SKIP_SPOOL_FULL);
            a.feed(k.array(), rnd);
            a.feed(batch(41, 50), rnd);
            assertEquals(50, a.awaitAck(50));
            a.session.end();
            assertEquals(30, c.metrics.sot2Skipped.get());
        }
        TreeMap<Long, Integer> seen = stored(out);
        assertEquals(20, seen.size());
        assertTrue(seen.keySet().stream().noneMatch(s -> s > 10 && s < 41), seen.toString());
    }
}
