package com.secureot.remote.sender;

import com.secureot.pcap.config.RoutingRule;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.route.IpPrefix;
import com.secureot.pcap.route.NamePattern;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.route.PrefixTemplate;
import com.secureot.pcap.store.Route;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes a received packet by its SENDER (not by the addresses inside the packet): the first
 * rule, in configuration order, whose network holds the sender's address, or whose name pattern
 * matches the sender's authenticated name (a TLS client certificate's), wins, otherwise the
 * default prefix; {@code {sender_ip}} becomes the sender's file-name form. The choice is cached
 * per sender, so routing a packet is one identity lookup. Runs on the receiving thread (one router each).
 */
public final class SenderRouter implements PacketRouter {
    private static final int CACHE_ENTRIES = 1 << 16;

    private final int partitions;
    /** Per rule: its network, or null for a rule by name. */
    private final IpPrefix[] networks;
    /** Per rule: its name pattern, or null for a rule by address. */
    private final NamePattern[] names;
    private final PrefixTemplate[] prefixes;
    private final PrefixTemplate fallback;
    /** Small at first: each connection has its own router, and it mostly sees one sender. */
    private final Map<Sender, Route> cache = new IdentityHashMap<>(4);

    /** @param partitions how many store partitions the routes choose between */
    public SenderRouter(List<RoutingRule> rules, PrefixTemplate defaultPrefix, int partitions) {
        this.partitions = partitions;
        networks = new IpPrefix[rules.size()];
        names = new NamePattern[rules.size()];
        prefixes = new PrefixTemplate[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            networks[i] = rules.get(i).network();
            names[i] = rules.get(i).name();
            prefixes[i] = rules.get(i).prefix();
        }
        fallback = defaultPrefix;
    }

    @Override
    public Route route(PacketBatch b, int i) {
        Sender s = (Sender) b.origin[i];
        Route r = cache.get(s);
        if (r == null) {
            if (cache.size() >= CACHE_ENTRIES) {
                cache.clear();
            }
            r = new Route(prefixOf(s), partitions);
            cache.put(s, r);
        }
        return r;
    }

    /** The resolved file prefix of a sender. */
    public String prefixOf(Sender s) {
        PrefixTemplate t = fallback;
        for (int r = 0; r < networks.length; r++) {
            IpPrefix n = networks[r];
            boolean match = n == null ? names[r].matches(s.certificateName())
                    : s.isV4() ? n.matchesV4(s.v4Address()) : n.matchesV6(s.v6High(), s.v6Low());
            if (match) {
                t = prefixes[r];
                break;
            }
        }
        return t.render(null, null, s.rendered(), s.fileName());
    }
}
