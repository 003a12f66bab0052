package com.secureot.remote.kafka;

import com.secureot.pcap.config.RoutingRule;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.route.PrefixTemplate;
import com.secureot.pcap.store.Route;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes a consumed packet by its sensor: the first routing rule whose {@code name} matches the
 * sensor id, else {@code default_output_prefix}, with {@code {sender_name}} as the sensor id (the
 * configuration has no rule by address under Kafka). Cached per sensor, so routing a packet is one identity lookup. The consumer's thread.
 */
public final class SensorRouter implements PacketRouter {
    private static final int CACHE_ENTRIES = 1 << 16;

    private final int partitions;
    private final PrefixTemplate prefix;
    private final List<RoutingRule> rules;
    private final Map<Sensor, Route> cache = new IdentityHashMap<>();

    /** @param partitions how many store partitions the routes choose between */
    public SensorRouter(List<RoutingRule> rules, PrefixTemplate prefix, int partitions) {
        this.partitions = partitions;
        this.rules = List.copyOf(rules);
        this.prefix = prefix;
    }

    @Override
    public Route route(PacketBatch b, int i) {
        Sensor s = (Sensor) b.origin[i];
        Route r = cache.get(s);
        if (r == null) {
            if (cache.size() >= CACHE_ENTRIES) {
                cache.clear();
            }
            PrefixTemplate t = prefix;
            for (RoutingRule rule : rules) {
                if (rule.name() != null && rule.name().matches(s.id)) {
                    t = rule.prefix();
                    break;
                }
            }
            r = new Route(t.render(null, null, s.id), partitions);
            cache.put(s, r);
        }
        return r;
    }
}
