package com.secureot.pcap.capture;

import com.secureot.pcap.io.CaptureFileReader;
import com.secureot.pcap.packet.PacketHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Replays a pcap or pcapng file as if it were being captured: as fast as possible (speed 0), at
 * the file's own pace (1) or N times faster. Read in pure Java, without libpcap.
 */
public final class FileReplay {
    private static final Logger log = LoggerFactory.getLogger(FileReplay.class);
    private final Path file;
    private final double speed;
    private volatile boolean stopping;

    public FileReplay(Path file, double speed) {
        this.file = file;
        this.speed = speed;
    }

    /**
     * Reads every packet into {@code handler}; returns how many. {@code beforeWait} runs before
     * each pause of a paced replay, so that what was read is handed on instead of waiting.
     */
    public long run(PacketHandler handler, Runnable beforeWait) throws IOException, InterruptedException {
        try (CaptureFileReader reader = CaptureFileReader.open(file)) {
            PacketHandler paced = speed > 0 ? new Pacer(handler, speed, beforeWait) : handler;
            long n = reader.readAll(new PacketHandler() {
                @Override
                public void packet(byte[] buf, int off, int cap, int orig, int lt, long sec, int nanos, boolean nano,
                                   int snap) throws InterruptedException {
                    checkStopping();
                    paced.packet(buf, off, cap, orig, lt, sec, nanos, nano, snap);
                }

                @Override
                public void packet(ByteBuffer buf, int off, int cap, int orig, int lt, long sec, int nanos,
                                   boolean nano, int snap) throws InterruptedException {
                    checkStopping();
                    paced.packet(buf, off, cap, orig, lt, sec, nanos, nano, snap);
                }
            });
            if (reader.warning() != null) {
                log.warn("{}", reader.warning());
            }
            return n;
        }
    }

    public void stop() {
        stopping = true;
    }

    private void checkStopping() throws InterruptedException {
        if (stopping) {
            throw new InterruptedException("stopped");
        }
    }

    /** Sleeps so that packets leave at the file's pace divided by {@code speed}. */
    private static final class Pacer implements PacketHandler {
        private final PacketHandler next;
        private final double speed;
        private final Runnable beforeWait;
        private long firstPacketNanos = Long.MIN_VALUE;
        private long startNanos;

        Pacer(PacketHandler next, double speed, Runnable beforeWait) {
            this.next = next;
            this.speed = speed;
            this.beforeWait = beforeWait;
        }

        @Override
        public void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int nanos,
                           boolean nano, int snaplen) throws InterruptedException {
            waitUntilDue(sec, nanos);
            next.packet(buf, off, capLen, origLen, linkType, sec, nanos, nano, snaplen);
        }

        @Override
        public void packet(ByteBuffer buf, int off, int capLen, int origLen, int linkType, long sec, int nanos,
                           boolean nano, int snaplen) throws InterruptedException {
            waitUntilDue(sec, nanos);
            next.packet(buf, off, capLen, origLen, linkType, sec, nanos, nano, snaplen);
        }

        private void waitUntilDue(long sec, int nanos) throws InterruptedException {
            long t = sec * 1_000_000_000L + nanos;
            if (firstPacketNanos == Long.MIN_VALUE) {
                firstPacketNanos = t;
                startNanos = System.nanoTime();
            }
            long due = startNanos + (long) ((t - firstPacketNanos) / speed);
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                beforeWait.run();
                wait = due - System.nanoTime();
            }
            if (wait > 200_000) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }
}
