package com.secureot.pcap.tools;

import com.secureot.pcap.io.CaptureFileReader;
import com.secureot.pcap.packet.PacketHandler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Lists capture files with the packets each holds and the time they span, read with the
 * daemons' own reader: what {@code run.sh} shows after a replay, without needing Wireshark.
 *
 * <pre>java -cp sniffer-span-pcap.jar com.secureot.pcap.tools.CaptureSummary DIR|FILE...</pre>
 */
public final class CaptureSummary {
    private CaptureSummary() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 0) {
            System.err.println("usage: CaptureSummary DIR|FILE...");
            System.exit(64);
        }
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".pcap") && Files.isRegularFile(f)).sorted().forEach(files::add);
                }
            } else {
                files.add(p);
            }
        }
        long packets = 0;
        int bad = 0;
        for (Path f : files) {
            Counter c = new Counter();
            try (CaptureFileReader r = CaptureFileReader.open(f)) {
                r.readAll(c);
                packets += c.packets;
                System.out.printf("%-60s %8d packets %10d bytes  %s .. %s%s%n", f, c.packets, Files.size(f),
                        c.packets == 0 ? "-" : Instant.ofEpochSecond(c.first), c.packets == 0 ? "-"
                                : Instant.ofEpochSecond(c.last), r.warning() == null ? "" : "  (" + r.warning() + ")");
            } catch (IOException e) {
                bad++;
                System.out.printf("%-60s unreadable: %s%n", f, e.getMessage());
            }
        }
        System.out.printf("%d files, %d packets%n", files.size(), packets);
        System.exit(bad == 0 ? 0 : 65);
    }

    /** Counts without copying: the reader hands each packet over in its own buffer. */
    private static final class Counter implements PacketHandler {
        long packets;
        long first;
        long last;

        @Override
        public void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                           boolean nano, int snaplen) {
            count(sec);
        }

        @Override
        public void packet(ByteBuffer buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                           boolean nano, int snaplen) {
            count(sec);
        }

        private void count(long sec) {
            if (packets++ == 0) {
                first = sec;
            }
            last = sec;
        }
    }
}
