package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a live capture with the cheapest path this system offers: on Linux the kernel's packet
 * ring read in place ({@link RingCapture}: through JNA on Java 17, the foreign function API on
 * Java 22+); elsewhere, or on an interface that is not Ethernet, libpcap (through the foreign
 * function API on Java 22 and newer, pcap4j/JNA on Java 17). {@code capture.backend} forces one.
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
            return "\"ffm\" needs Java 22 or newer and a jar built with it, on 64-bit Linux (this is Java "
                    + Runtime.version().feature() + " on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "); use \"auto\" or \"pcap4j\"";
        }
        if (config.backend().equals("ring") && !RingSocket.available()) {
            return "\"ring\" needs Linux on x86-64 or AArch64 (this is " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "); use \"auto\"";
        }
        return null;
    }

    /** The path {@link #open} takes for {@code backend} on an Ethernet interface of this system, as {@code --version} names it. */
    public static String pathName(String backend) {
        if ((backend.equals("auto") || backend.equals("ring")) && RingSocket.available()) {
            return "kernel packet ring (TPACKET_V3) through " + RingCapture.via();
        }
        return libpcapPath(backend) ? "libpcap through the foreign function API" : "pcap4j";
    }

    private static boolean libpcapPath(String backend) {
        return switch (backend) {
            case "ffm" -> true;
            case "pcap4j" -> false;
            default -> FfmCaptures.available();
        };
    }

    public static PacketCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException, ConfigException {
        check(config);
        String backend = config.backend();
        String notRing = null;
        if (backend.equals("ring") || backend.equals("auto")) {
            String why = RingCapture.unsupported(config.interfaceName());
            if (why == null) {
                PacketCapture c = config.threads() > 1 ? FanoutCapture.open(config, bpfFilter)
                        : RingCapture.open(config, bpfFilter);
                log.info("capture path: kernel packet ring (TPACKET_V3) through {} (Java {})", RingCapture.via(),
                        Runtime.version().feature());
                return c;
            }
            if (backend.equals("ring")) {
                throw new CaptureOpenException("capture.backend: \"ring\": " + why);
            }
            // Logged once libpcap opened it: an interface that does not exist is one error line only.
            notRing = why;
        }
        boolean ffm = libpcapPath(backend);
        PacketCapture c = ffm ? FfmCaptures.open(config, bpfFilter) : Pcap4jCapture.open(config, bpfFilter);
        log.info("capture path: {} (Java {}){}", pathName(ffm ? "ffm" : "pcap4j"), Runtime.version().feature(),
                notRing == null ? "" : "; " + notRing);
        if (config.threads() > 1) {
            // Only "auto" gets here with threads above 1 (the configuration refuses libpcap's backends).
            log.warn("capture.threads: {} ignored: libpcap captures on {} on one thread ({})", config.threads(),
                    config.interfaceName(), notRing);
        }
        return c;
    }
}
