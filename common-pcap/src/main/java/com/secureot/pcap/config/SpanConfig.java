package com.secureot.pcap.config;

import com.secureot.pcap.route.PrefixTemplate;

import java.util.List;
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
        List<String> errors = new java.util.ArrayList<>();
        ConfigNode root = ConfigNode.root(doc, errors);
        CaptureConfig capture = CaptureConfig.read(root.child("capture"));
        StorageConfig storage = StorageConfig.read(root,
                Set.of(PrefixTemplate.SRC_IP, PrefixTemplate.DST_IP));
        MetricsConfig metrics = MetricsConfig.read(root.child("metrics"));
        ForwardConfig forward = withForward ? ForwardConfig.read(root.child("forward")) : ForwardConfig.DISABLED;
        root.finish();
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new SpanConfig(capture, storage, metrics, forward);
    }
}
