package com.secureot.span;

import com.secureot.pcap.testing.DaemonRun;
import com.secureot.pcap.testing.TestPcaps;
import com.secureot.pcap.testing.TestPcaps.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static com.secureot.span.Shell.onPath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several daemons writing one folder (issue 16): the repair a starting daemon makes never cuts a
 * file another live process writes (each writer holds an advisory lock on its open files, which
 * the kernel releases when it dies), and still repairs what a killed one left torn.
 */
class SharedFolderRepairIT {
    private static final Path JAR = SpanDaemon.JAR;

    @TempDir
    Path work;

    /**
     * A live writer's file may end inside a record at the moment another daemon starts (its
     * writer is between two writes): here a process that is not ours holds the lock of a torn file
     * (fcntl, as the daemons take it), so the moment is not left to chance. The starting daemon
     * leaves the file as it is; once the holder is killed -9, the next start repairs it.
     */
    @Test
    void aTornFileALiveProcessHoldsIsLeftAndRepairedOnceThatProcessIsKilled() throws Exception {
        assumeTrue(onPath("python3"), "needs python3 (a lock holder that is not a JVM)");
        Path out = Files.createDirectories(work.resolve("out"));
        List<Packet> in = TestPcaps.mixedTraffic(1_700_000_000L, 30, 5);
        byte[] whole = TestPcaps.pcap(in, false, java.nio.ByteOrder.LITTLE_ENDIAN, 1, 65535);
        byte[] torn = Arrays.copyOf(whole, whole.length - 9);
        Path held = out.resolve("other_20231114_22.pcap");
        Files.write(held, torn);
        Path input = TestPcaps.writePcap(work.resolve("small.pcap"), in.subList(0, 10), false);

        Process holder = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, sys",
                "f = open(sys.argv[1], 'r+b')",
                "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)",
                "print('locked', flush=True)",
                "sys.stdin.read()"), held.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("locked", said.readLine(), "the holder took the lock");

            DaemonRun first = DaemonRun.start(JAR, "-r", input.toString(), config(out, "first").toString());
            assertEquals(0, first.awaitExit(120), first.log());
            assertArrayEquals(torn, Files.readAllBytes(held), "a file a live process holds is not cut");
            assertEquals(0, first.finalFigure("files_repaired"), first.lastLine("final: "));
            assertTrue(first.log().contains("not checking " + held + " for damage: another live process writes it"),
                    first.log());
        } finally {
            holder.destroyForcibly(); // SIGKILL: the kernel releases its lock
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }

        DaemonRun second = DaemonRun.start(JAR, "-r", input.toString(), config(out, "second").toString());
        assertEquals(0, second.awaitExit(120), second.log());
        assertEquals(1, second.finalFigure("files_repaired"), second.lastLine("final: "));
        int lastRecord = whole.length - 16 - in.get(in.size() - 1).data().length;
        assertEquals(lastRecord, Files.size(held), "cut back to its last whole record");
        assertArrayEquals(Arrays.copyOf(whole, lastRecord), Files.readAllBytes(held));
    }

    /**
     * Three span-pcap daemons, one folder, three prefixes: one replays paced (live for a while);
     * meanwhile one is killed -9 and its largest file torn as a kill leaves it, and a third starts.
     * The third repairs the killed one's file and leaves the live one's open files alone (it says
     * so); the live one ends with every packet in its files, which read whole.
     */
    @Test
    void aDaemonStartingBesideALiveOneRepairsOnlyTheDeadOnesFiles() throws Exception {
        Path out = Files.createDirectories(work.resolve("out"));
        Path liveInput = generate("live.pcap", 30_000, 1);
        Path deadInput = generate("dead.pcap", 200_000, 2);
        Path thirdInput = generate("third.pcap", 2_000, 3);

        // The live one: about 40 s for an hour of traffic.
        try (DaemonRun live = DaemonRun.start(JAR, "-r", liveInput.toString(), "--replay-speed", "90",
                config(out, "live").toString())) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (bytesOf(out, "live_") < 64 << 10) {
                assertTrue(live.alive() && System.nanoTime() < end, "the live replay wrote nothing; log:\n"
                        + live.log());
                Thread.sleep(20);
            }

            // The killed one: stopped once it has files with records in them.
            Process dead = new ProcessBuilder(DaemonRun.java(), "-jar", JAR.toString(), "-r", deadInput.toString(),
                    config(out, "dead").toString()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("dead.log").toFile()).start();
            awaitBytes(dead, out, "dead_", 1 << 20);
            dead.destroyForcibly(); // SIGKILL: no flush, no close; the kernel drops its locks
            assertTrue(dead.waitFor(30, TimeUnit.SECONDS));
            Path deadFile = largest(out, "dead_");
            long deadSize = Files.size(deadFile);
            try (FileChannel ch = FileChannel.open(deadFile, StandardOpenOption.WRITE)) {
                ch.truncate(deadSize - 7); // the last record lacks 7 bytes
            }

            List<Path> liveOpen = files(out, "live_");
            DaemonRun third = DaemonRun.start(JAR, "-r", thirdInput.toString(), config(out, "third").toString());
            assertEquals(0, third.awaitExit(120), third.log());
            assertTrue(live.alive(), "the live replay was still running when the third daemon ended");
            assertTrue(third.log().contains("repaired " + deadFile + ": cut back from " + (deadSize - 7)),
                    third.log());
            assertTrue(third.finalFigure("files_repaired") >= 1, third.lastLine("final: "));
            assertTrue(liveOpen.stream().anyMatch(f -> third.log().contains("not checking " + f
                    + " for damage: another live process writes it")), "the live one's files " + liveOpen + " were seen held:\n"
                    + third.log());
            assertTrue(third.log().lines().noneMatch(l -> l.contains("repaired ") && l.contains("/live_")),
                    third.log());

            assertEquals(0, live.awaitExit(300), live.log());
            assertEquals(30_000, live.finalFigure("written"), live.lastLine("final: "));
            if (SpanDaemon.tsharkInstalled()) {
                assertEquals(0, SpanDaemon.tshark(deadFile).exit(), deadFile + " reads whole after its repair");
            }
        }
        List<Packet> stored = new ArrayList<>();
        for (Path f : files(out, "live_")) {
            stored.addAll(TestPcaps.read(f).packets()); // fails on a file cut short
            if (SpanDaemon.tsharkInstalled()) {
                assertEquals(0, SpanDaemon.tshark(f).exit(), f + " reads whole");
            }
        }
        List<Packet> expected = new ArrayList<>(TestPcaps.read(liveInput).packets());
        java.util.Comparator<Packet> order = java.util.Comparator.comparingLong(Packet::sec)
                .thenComparingInt(Packet::nanos).thenComparingInt(p -> Arrays.hashCode(p.data()));
        expected.sort(order);
        stored.sort(order);
        TestPcaps.assertSamePackets(expected, stored, "the live daemon's files");
    }

    private Path generate(String name, int packets, int seed) throws Exception {
        Path f = work.resolve(name);
        DaemonRun.command(DaemonRun.java(), "-cp", JAR.toString(), "com.secureot.pcap.tools.TrafficGenerator",
                "--packets", String.valueOf(packets), "--hosts", "10", "--hours", "1", "--max-size", "800",
                "--seed", String.valueOf(seed), f.toString());
        return f;
    }

    private Path config(Path out, String prefix) throws IOException {
        Path p = work.resolve("config-" + prefix + ".yaml");
        Files.writeString(p, "capture:\n  interface: \"unused\"\n"
                + "routing_rules: []\n"
                + "default_output_prefix: \"" + prefix + "\"\n"
                + "output_directories:\n  pcap_raw_output_path: \"" + out + "\"\n"
                + "rotation:\n  timezone: UTC\n");
        return p;
    }

    private static List<Path> files(Path dir, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".pcap")).sorted().toList();
        }
    }

    private static long bytesOf(Path dir, String prefix) throws IOException {
        long n = 0;
        for (Path f : files(dir, prefix)) {
            try {
                n += Files.size(f);
            } catch (java.nio.file.NoSuchFileException gone) {
                // removed meanwhile
            }
        }
        return n;
    }

    private static Path largest(Path dir, String prefix) throws IOException {
        Path best = null;
        for (Path f : files(dir, prefix)) {
            if (best == null || Files.size(f) > Files.size(best)) {
                best = f;
            }
        }
        return best;
    }

    private static void awaitBytes(Process running, Path dir, String prefix, long bytes) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (bytesOf(dir, prefix) < bytes) {
            assertTrue(running.isAlive(), "ended before the kill point");
            assertTrue(System.nanoTime() < end, "no progress to " + bytes + " bytes");
            Thread.sleep(2);
        }
    }
}
