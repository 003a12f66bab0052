package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;

/**
 * {@code legacy_raw}: the earlier forwarder's format, one bare frame per TCP connection or per
 * UDP datagram, with no header: it is stamped on arrival and recorded with {@code linkType}.
 *
 * @param maxFrameBytes a longer TCP frame is refused (a UDP datagram cannot exceed 65507)
 */
public record LegacyRawConfig(boolean enable, int linkType, int maxFrameBytes) {

    static LegacyRawConfig read(ConfigNode n) {
        boolean enable = n.bool("enable", true);
        int link = (int) n.integer("link_type", 1, 0, 65535);
        int max = (int) n.integer("max_frame_bytes", 65535, 64, 1 << 20);
        n.finish();
        return new LegacyRawConfig(enable, link, max);
    }
}
