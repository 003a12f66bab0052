package com.secureot.pcap.tools;

import com.secureot.pcap.io.PcapFileWriter;
import com.secureot.pcap.packet.Timestamps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Writes a synthetic capture for samples and benchmarks: Ethernet/IPv4/TCP frames of mixed sizes
 * between PLC-like hosts and a few servers, spread evenly over a number of hours. Deterministic
 * for a given seed, so two runs compare. Checksums are not computed (nothing here validates them).
 *
 * <pre>java -cp sniffer-span-pcap.jar com.secureot.pcap.tools.TrafficGenerator
 *      [--packets N] [--hosts N] [--hours N] [--min-size B] [--max-size B] [--nano] [--seed S] OUT.pcap</pre>
 */
public final class TrafficGenerator {
    private long packets = 100_000;
    private int hosts = 200;
    private int hours = 3;
    private int minSize = 60;
    private int maxSize = 1000;
    private boolean nano;
    private long seed = 42;
    private long startSecond = 1_700_000_000L; // 2023-11-14T22:13:20Z
    private Path out;

    public static void main(String[] args) throws IOException {
        TrafficGenerator g = new TrafficGenerator();
        try {
            g.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: TrafficGenerator [--packets N] [--hosts N] [--hours N] [--min-size B] "
                    + "[--max-size B] [--nano] [--seed S] [--start EPOCH_SECONDS] OUT.pcap");
            System.exit(64);
        }
        long t0 = System.nanoTime();
        g.write();
        System.err.printf("wrote %d packets from %d hosts over %d hours to %s in %.1f s%n", g.packets, g.hosts,
                g.hours, g.out, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Writes a capture of {@code packets} packets from {@code hosts} hosts over {@code hours} hours
     * (deterministic for a seed): for tests that need traffic where no real capture is at hand.
     */
    public static void write(Path out, long packets, int hosts, int hours, boolean nano, long seed)
            throws IOException {
        TrafficGenerator g = new TrafficGenerator();
        g.out = out;
        g.packets = packets;
        g.hosts = hosts;
        g.hours = hours;
        g.nano = nano;
        g.seed = seed;
        g.write();
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--packets" -> packets = Long.parseLong(value(args, ++i, a));
                case "--hosts" -> hosts = Integer.parseInt(value(args, ++i, a));
                case "--hours" -> hours = Integer.parseInt(value(args, ++i, a));
                case "--min-size" -> minSize = Integer.parseInt(value(args, ++i, a));
                case "--max-size" -> maxSize = Integer.parseInt(value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                case "--start" -> startSecond = Long.parseLong(value(args, ++i, a));
                case "--nano" -> nano = true;
                default -> {
                    if (a.startsWith("-") || out != null) {
                        throw new IllegalArgumentException("unexpected argument " + a);
                    }
                    out = Path.of(a);
                }
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("missing OUT.pcap");
        }
        if (hosts < 1 || hosts > 16_000_000 || hours < 1 || minSize < 54 || maxSize < minSize || maxSize > 9000) {
            throw new IllegalArgumentException("need 1 <= hosts <= 16M, hours >= 1, 54 <= min-size <= max-size <= 9000");
        }
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private void write() throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] frame = new byte[maxSize];
        long spanNanos = hours * 3600L * 1_000_000_000L;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            PcapFileWriter w = new PcapFileWriter(ch, ByteBuffer.allocateDirect(1 << 20), nano, 1, 65535, true, 0);
            ByteBuffer f = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
            for (long i = 0; i < packets; i++) {
                int host = rnd.nextInt(hosts);
                int size = minSize + rnd.nextInt(maxSize - minSize + 1);
                boolean toServer = rnd.nextBoolean();
                long src = hostAddress(host);
                long dst = 0x0A000001L + rnd.nextInt(4); // 10.0.0.1-4: servers, HMIs
                if (!toServer) {
                    long t = src;
                    src = dst;
                    dst = t;
                }
                fill(f, src, dst, size, (int) i, rnd);
                long t = startSecond * 1_000_000_000L + (packets <= 1 ? 0 : spanNanos / packets * i);
                w.append(Timestamps.seconds(t), Timestamps.fraction(t, nano), frame, 0, size, size);
            }
            w.flush();
        }
    }

    /** Hosts 192.168.0.0/16 and up: 192.168.h/256.h%256 for the first 65536, then 172.16/12. */
    private static long hostAddress(int host) {
        if (host < 65_024) {
            return 0xC0A80000L + 256 + host; // from 192.168.1.0
        }
        return 0xAC100000L + host;
    }

    private static void fill(ByteBuffer f, long src, long dst, int size, int seq, SplittableRandom rnd) {
        f.clear();
        f.putInt(0x00163E00).putShort((short) (src & 0xFFFF));           // dst MAC
        f.putInt(0x00163E01).putShort((short) (dst & 0xFFFF));           // src MAC
        f.putShort((short) 0x0800);
        int ipLen = size - 14;
        f.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) seq).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt((int) src).putInt((int) dst);
        boolean fromPlc = (src & 0xFFFF0000L) != 0x0A000000L;
        f.putShort((short) (fromPlc ? 502 : 40000 + (seq & 0xFFF))).putShort((short) (fromPlc ? 40000 + (seq & 0xFFF) : 502))
                .putInt(seq).putInt(0).putShort((short) 0x5018).putShort((short) 8192).putInt(0);
        while (f.position() < size) {
            f.put((byte) rnd.nextInt(256));
        }
    }
}
