package com.secureot.pcap.config;

import com.secureot.pcap.route.PrefixTemplate;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;

/**
 * The configuration of the capture daemons ({@code sniffer-span-pcap} and
 * {@code sniffer-span-forwarder}): the earlier agents' keys plus optional new ones.
 */
public record SpanConfig(CaptureConfig capture, StorageConfig storage, MetricsConfig metrics, ForwardConfig forward) {

    /**
     * Validates a parsed YAML document. {@code withForward} accepts the {@code forward} block
     * (the forwarder); without it the block is an unknown key.
     */
    public static SpanConfig from(Map<String, Object> doc, boolean withForward) throws ConfigException {
        return from(ConfigNode.root(doc, new ArrayList<>()), withForward);
    }

    /** As {@link #from(Map, boolean)}, reading a root the caller keeps (to ask its {@code askedPaths()}). */
    public static SpanConfig from(ConfigNode root, boolean withForward) throws ConfigException {
        SpanConfig config = read(root, withForward);
        root.throwIfErrors();
        return config;
    }

    /**
     * Reads every key, recording each problem in {@code root} instead of throwing: the daemon then
     * adds the checks that need more than the file (libpcap, name resolution) and reports them
     * all with {@link ConfigNode#throwIfErrors()}. Values with an error hold their default.
     */
    public static SpanConfig read(ConfigNode root, boolean withForward) {
        CaptureConfig capture = CaptureConfig.read(root.child("capture"));
        StorageConfig storage = StorageConfig.read(root,
                Set.of(PrefixTemplate.SRC_IP, PrefixTemplate.DST_IP));
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        ForwardConfig forward = ForwardConfig.DISABLED;
        if (withForward) {
            forward = ForwardConfig.read(root.child("forward"));
        } else if (root.has("forward")) {
            // A file shared with the forwarder loads (the block is validated, then ignored), but
            // asking this daemon to forward is a mistake worth stopping for.
            if (ForwardConfig.read(root.child("forward")).enable()) {
                root.error("forward.enable", "true, but sniffer-span-pcap does not forward; run "
                        + "sniffer-span-forwarder with this file");
            }
        }
        root.finish();
        return new SpanConfig(capture, storage, metrics, forward);
    }
}
