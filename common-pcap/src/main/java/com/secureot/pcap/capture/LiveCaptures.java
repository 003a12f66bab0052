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
        if (config.backend().equals("ffm") && !FfmCaptures.available()) {
            throw new ConfigException("capture.backend: \"ffm\" needs Java 22 or newer and a jar built with it, on "
                    + "64-bit Linux (this is Java " + Runtime.version().feature() + " on " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch") + "); use \"auto\" or \"pcap4j\"");
        }
        if (config.backend().equals("ring") && !RingSocket.available()) {
            throw new ConfigException("capture.backend: \"ring\" needs Linux on x86-64 or AArch64 (this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "); use \"auto\"");
        }
    }

    public static PacketCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException, ConfigException {
        check(config);
        String backend = config.backend();
        if (backend.equals("ring") || backend.equals("auto")) {
            String why = RingCapture.unsupported(config.interfaceName());
            if (why == null) {
                PacketCapture c = RingCapture.open(config, bpfFilter);
                log.info("capture path: kernel packet ring (TPACKET_V3) through {} (Java {})", RingCapture.via(),
                        Runtime.version().feature());
                return c;
            }
            if (backend.equals("ring")) {
                throw new CaptureOpenException("capture.backend: \"ring\": " + why);
            }
            log.info("{}: capturing through libpcap", why);
        }
        boolean ffm = switch (backend) {
            case "ffm" -> true;
            case "pcap4j" -> false;
            default -> FfmCaptures.available();
        };
        PacketCapture c = ffm ? FfmCaptures.open(config, bpfFilter) : Pcap4jCapture.open(config, bpfFilter);
        log.info("capture path: {} (Java {})", ffm ? "libpcap through the foreign function API" : "pcap4j",
                Runtime.version().feature());
        return c;
    }
}
