package com.secureot.pcap.capture;

import com.secureot.pcap.config.CaptureConfig;

/** Java 22+ version of the class: the FFM capture path is available where its header layout holds. */
final class FfmCaptures {
    private FfmCaptures() {
    }

    static boolean available() {
        return FfmCapture.LAYOUT_OK;
    }

    static PacketCapture open(CaptureConfig config, String bpfFilter)
            throws CaptureOpenException, CaptureFilterException {
        return FfmCapture.open(config, bpfFilter);
    }
}
