package com.secureot.pcap.capture;

import com.secureot.pcap.io.CaptureFileReader;
import com.secureot.pcap.packet.PacketHandler;
import com.secureot.pcap.packet.Timestamps;
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
            long n = reader.readAll(new Gate(handler, beforeWait));
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

    /**
     * Passes each packet on, unless {@link #stop} was called; when paced, once it is due: at the
     * file's pace divided by {@code speed}.
     */
    private final class Gate implements PacketHandler {
        private final PacketHandler next;
        private final Runnable beforeWait;
        private long firstPacketNanos = Long.MIN_VALUE;
        private long startNanos;

        Gate(PacketHandler next, Runnable beforeWait) {
            this.next = next;
            this.beforeWait = beforeWait;
        }

        @Override
        public void packet(byte[] buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                           boolean nano, int snaplen) throws InterruptedException {
            pass(sec, fraction, nano);
            next.packet(buf, off, capLen, origLen, linkType, sec, fraction, nano, snaplen);
        }

        @Override
        public void packet(ByteBuffer buf, int off, int capLen, int origLen, int linkType, long sec, int fraction,
                           boolean nano, int snaplen) throws InterruptedException {
            pass(sec, fraction, nano);
            next.packet(buf, off, capLen, origLen, linkType, sec, fraction, nano, snaplen);
        }

        private void pass(long sec, int fraction, boolean nano) throws InterruptedException {
            checkStopping();
            if (speed > 0) {
                waitUntilDue(Timestamps.epochNanos(sec, fraction, nano));
            }
        }

        private void waitUntilDue(long t) throws InterruptedException {
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
