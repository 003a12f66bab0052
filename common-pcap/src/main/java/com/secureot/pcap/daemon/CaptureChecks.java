package com.secureot.pcap.daemon;

import com.secureot.pcap.capture.BpfFilters;
import com.secureot.pcap.capture.LiveCaptures;
import com.secureot.pcap.config.CaptureConfig;
import com.secureot.pcap.config.ConfigNode;

/**
 * The checks of a capture configuration that need more than the file (libpcap compiles the BPF
 * filter, the JVM decides the capture path), recorded among the file's other errors so that
 * {@code --check-config} reports them all in one run.
 */
public final class CaptureChecks {
    private CaptureChecks() {
    }

    /**
     * Records what libpcap and this JVM would refuse in {@code capture} as errors of {@code root};
     * {@code replay} (a {@code -r} file, read on one thread) refuses {@code capture.threads} above 1.
     */
    public static void check(ConfigNode root, CaptureConfig capture, boolean replay) {
        if (replay && capture.threads() > 1) {
            root.error("capture.threads", capture.threads() + " applies to a live capture only; a replay (-r) reads "
                    + "its file on one thread (set threads to 1 or leave it out)");
        }
        String backend = LiveCaptures.backendProblem(capture);
        if (backend != null) {
            root.error("capture.backend", backend);
        }
        String bpf = capture.bpfFilter();
        if (bpf != null) {
            String problem = BpfFilters.problem(bpf, capture.snaplen());
            if (problem != null) {
                root.error("capture.bpf_filter", ConfigNode.quote(bpf) + " is not a valid BPF filter: " + problem);
            }
        }
    }
}
