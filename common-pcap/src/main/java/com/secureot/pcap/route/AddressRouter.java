package com.secureot.pcap.route;

import com.secureot.pcap.config.RoutingRule;
import com.secureot.pcap.packet.FrameParser;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.store.Route;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes captured frames by their IP addresses, with the earlier agents' semantics: the first
 * rule, in configuration order, whose network holds the source or the destination address wins;
 * otherwise the default prefix. Frames without a readable IP header go to the default prefix
 * with {@code {src_ip}}/{@code {dst_ip}} rendered as {@code non-ip}.
 */
public final class AddressRouter implements PacketRouter {
    public static final String NON_IP = "non-ip";
    private static final int CACHE_ENTRIES = 1 << 16;

    private final int partitions;
    private final IpPrefix[] networks;
    private final Target[] targets;
    private final Target fallback;

    /** The files of one rule (or of the default prefix) and, for templates, per-address caches. */
    private final class Target {
        final PrefixTemplate template;
        Route constant;
        final LongObjectCache<Route> v4 = new LongObjectCache<>(CACHE_ENTRIES);
        final Map<String, Route> other = new HashMap<>();

        Target(PrefixTemplate template) {
            this.template = template;
        }

        Route v4(long src, long dst) {
            if (template.isConstant()) {
                return constantRoute();
            }
            long key = template.usesSrc() && template.usesDst() ? (src << 32) | dst : template.usesSrc() ? src : dst;
            Route r = v4.get(key);
            return r != null ? r : firstOfAddress(this, key, src, dst);
        }

        Route rendered(String src, String dst) {
            if (template.isConstant()) {
                return constantRoute();
            }
            String prefix = template.render(src, dst, null);
            Route r = other.get(prefix);
            if (r == null) {
                if (other.size() >= CACHE_ENTRIES) {
                    other.clear();
                }
                r = new Route(prefix, partitions);
                other.put(prefix, r);
            }
            return r;
        }

        private Route constantRoute() {
            if (constant == null) {
                constant = new Route(template.toString(), partitions);
            }
            return constant;
        }
    }

    /**
     * The route of an address not yet in {@code t}'s cache. Runs once per address and source
     * thread (10 000 times in a 10 000-host replay), out of the per-packet route.
     */
    private Route firstOfAddress(Target t, long key, long src, long dst) {
        // Renders only the addresses the template shows.
        Route r = new Route(t.template.render(t.template.usesSrc() ? IpAddresses.renderV4(src) : null,
                t.template.usesDst() ? IpAddresses.renderV4(dst) : null, null), partitions);
        t.v4.put(key, r);
        return r;
    }

    /** @param partitions how many store partitions the routes choose between */
    public AddressRouter(List<RoutingRule> rules, PrefixTemplate defaultPrefix, int partitions) {
        this.partitions = partitions;
        networks = new IpPrefix[rules.size()];
        targets = new Target[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            networks[i] = rules.get(i).network();
            targets[i] = new Target(rules.get(i).prefix());
        }
        fallback = new Target(defaultPrefix);
    }

    @Override
    public Route route(PacketBatch b, int i) {
        byte[] d = b.data;
        int off = b.offset[i];
        int ip = FrameParser.ipHeaderOffset(b.linkType[i], d, off, b.capLen[i]);
        if (ip < 0) {
            return fallback.rendered(NON_IP, NON_IP);
        }
        ip += off;
        if (!FrameParser.isV6(d, ip)) {
            long src = FrameParser.v4Src(d, ip);
            long dst = FrameParser.v4Dst(d, ip);
            for (int r = 0; r < networks.length; r++) {
                if (networks[r].matchesV4(src) || networks[r].matchesV4(dst)) {
                    return targets[r].v4(src, dst);
                }
            }
            return fallback.v4(src, dst);
        }
        long sHi = FrameParser.u64(d, ip + 8);
        long sLo = FrameParser.u64(d, ip + 16);
        long dHi = FrameParser.u64(d, ip + 24);
        long dLo = FrameParser.u64(d, ip + 32);
        Target t = fallback;
        for (int r = 0; r < networks.length; r++) {
            if (networks[r].matchesV6(sHi, sLo) || networks[r].matchesV6(dHi, dLo)) {
                t = targets[r];
                break;
            }
        }
        if (t.template.isConstant()) {
            return t.rendered(null, null);
        }
        return t.rendered(IpAddresses.renderV6ForFileName(sHi, sLo), IpAddresses.renderV6ForFileName(dHi, dLo));
    }
}
