package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a live capture with the fastest path this JVM offers: libpcap through the JDK's foreign
 * function API on Java 22 and newer (no allocation per packet), pcap4j/JNA on Java 17.
 * {@code capture.backend} forces one.
 */
public final class LiveCaptures {
    private static final Logger log = LoggerFactory.getLogger(LiveCaptures.class);

    private LiveCaptures() {
    }

    /** True when this JVM runs the FFM path ({@code capture.backend: ffm} is usable). */
    public static boolean ffmAvailable() {
        return FfmCaptures.available();
    }

    /** Fails when {@code capture.backend} asks for a path this JVM does not have. */
    public static void check(CaptureConfig config) throws ConfigException {
        String problem = backendProblem(config);
        if (problem != null) {
            throw new ConfigException("capture.backend: " + problem);
        }
    }

    /** Why {@code capture.backend} cannot be used on this JVM, or null when it can. */
    public static String backendProblem(CaptureConfig config) {
        if (config.backend().equals("ffm") && !FfmCaptures.available()) {
            return "\"ffm\" needs Java 22 or newer and a jar built with it (this is Java "
                    + Runtime.version().feature() + "); use \"auto\" or \"pcap4j\"";
        }
        return null;
    }

    /** The path {@link #open} takes for {@code backend} on this JVM, as {@code --version} names it. */
    public static String pathName(String backend) {
        boolean ffm = switch (backend) {
            case "ffm" -> true;
            case "pcap4j" -> false;
            default -> FfmCaptures.available();
        };
        return ffm ? "libpcap through the foreign function API" : "pcap4j";
    }

    public static PacketCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException, ConfigException {
        check(config);
        boolean ffm = switch (config.backend()) {
            case "ffm" -> true;
            case "pcap4j" -> false;
            default -> FfmCaptures.available();
        };
        PacketCapture c = ffm ? FfmCaptures.open(config, bpfFilter) : Pcap4jCapture.open(config, bpfFilter);
        log.info("capture path: {} (Java {})", pathName(ffm ? "ffm" : "pcap4j"), Runtime.version().feature());
        return c;
    }
}
