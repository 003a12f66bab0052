package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;

/**
 * The capture path on the JDK's foreign function API. This is the Java 17 version of the class:
 * FFM is not available, so it opens nothing. The jar is multi-release: on Java 22 and newer the
 * JVM loads {@code META-INF/versions/22/.../FfmCaptures.class} instead, which calls libpcap
 * directly (see src/main/java22).
 */
final class FfmCaptures {
    private FfmCaptures() {
    }

    static boolean available() {
        return false;
    }

    static PacketCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException {
        throw new CaptureOpenException("the FFM capture path needs Java 22 or newer");
    }
}
