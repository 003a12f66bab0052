package com.secureot.pcap.config;

/**
 * {@code capture}: the interface, its BPF filter and the libpcap options.
 *
 * @param bpfFilter null when everything is captured
 * @param bufferSizeBytes the kernel ring; tens of MiB so a burst waits in the kernel, not on the wire
 * @param nanoTimestamps ask libpcap for nanosecond timestamps (falls back to micro if refused)
 * @param timeoutMillis how long the kernel holds a partly filled ring block; never 0 (see docs/deployment.md)
 * @param queueBytes memory between the capture thread and the writer/forwarder threads
 * @param backend {@code auto} (the kernel's packet ring on Linux, else libpcap), {@code ring}, {@code libpcap}
 *                (FFM on Java 22+, else pcap4j), {@code ffm} or {@code pcap4j}
 * @param threads capture threads on the interface; above 1 (packet ring only), that many sockets in one
 *                PACKET_FANOUT group, each with its own ring of {@code bufferSizeBytes} and its own thread
 */
public record CaptureConfig(String interfaceName, String bpfFilter, int snaplen, boolean promiscuous,
                            int bufferSizeBytes, boolean nanoTimestamps, int timeoutMillis, long queueBytes,
                            String backend, int threads) {
    /** The most capture threads: a probe has a few cores, and every thread holds a ring of its own. */
    public static final int MAX_THREADS = 16;

    /** The backends that are libpcap, which reads an interface on one thread only. */
    private static final java.util.Set<String> LIBPCAP = java.util.Set.of("libpcap", "ffm", "pcap4j");

    static CaptureConfig read(ConfigNode n) {
        String itf = n.requiredString("interface");
        if (itf != null && itf.isBlank()) {
            n.error("interface", "must not be empty");
        }
        String bpf = n.string("bpf_filter", null);
        if (bpf != null && bpf.isBlank()) {
            bpf = null;
        }
        int snaplen = (int) n.integer("snaplen", 262144, 64, 262144);
        boolean promisc = n.bool("promiscuous", true);
        int bufMb = (int) n.integer("buffer_size_mb", 64, 1, 2047);
        String precision = n.choice("timestamp_precision", "micro", "micro", "nano");
        int timeout = (int) n.integer("timeout_ms", 50, 1, 10_000);
        long queueMb = n.integer("queue_size_mb", 32, 2, 4096);
        String backend = n.choice("backend", "auto", "auto", "ring", "libpcap", "ffm", "pcap4j");
        int threads = (int) n.integer("threads", 1, 1, MAX_THREADS);
        if (threads > 1 && LIBPCAP.contains(backend)) {
            n.error("threads", threads + " needs the packet ring (PACKET_FANOUT), but capture.backend is \"" + backend
                    + "\", which reads on one thread; set backend to \"auto\" or \"ring\", or threads to 1");
        }
        n.finish();
        return new CaptureConfig(itf, bpf, snaplen, promisc, bufMb << 20, precision.equals("nano"), timeout,
                queueMb << 20, backend, threads);
    }
}
