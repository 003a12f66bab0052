package com.secureot.pcap.daemon;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The replay options of the capture daemons (a picocli mixin): the file and its pace. */
public final class ReplayOptions {
    @Option(names = {"-r", "--read-file"}, paramLabel = "FILE",
            description = "Replay this pcap or pcapng file instead of capturing; exit once every packet is handled "
                    + "(written, and forwarded by the forwarder, or counted as not).")
    Path readFile;

    @Option(names = "--replay-speed", paramLabel = "X", defaultValue = "0",
            description = "With --read-file: 0 = as fast as possible (default), 1 = the file's own timing, "
                    + "N = N times faster.")
    double replaySpeed;

    /** The file to replay, or null for a live capture. */
    public Path readFile() {
        return readFile;
    }

    public double replaySpeed() {
        return replaySpeed;
    }

    /** What is wrong with the combination given, as one line for {@code error:}, or null. */
    public String problem() {
        if (!(replaySpeed >= 0) || Double.isInfinite(replaySpeed)) {
            return "--replay-speed: " + replaySpeed + " is not allowed (expected 0 = as fast as possible, "
                    + "1 = the file's timing, N > 0 = N times faster)";
        }
        if (replaySpeed != 0 && readFile == null) {
            return "--replay-speed needs --read-file";
        }
        return null;
    }
}
