package com.secureot.remote.kafka;

import com.secureot.pcap.config.RoutingRule;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.route.PrefixTemplate;
import com.secureot.pcap.store.OutputSeries;
import com.secureot.pcap.store.RotatingPcapStore;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes a consumed packet by its sensor: the first routing rule whose {@code name} matches the
 * sensor id, else {@code default_output_prefix}, with {@code {sender_name}} as the sensor id (the
 * configuration has no rule by address under Kafka). Cached per sensor, so routing a packet is one identity lookup. Store thread.
 */
public final class SensorRouter implements PacketRouter {
    private static final int CACHE_ENTRIES = 1 << 16;

    private final RotatingPcapStore store;
    private final PrefixTemplate prefix;
    private final List<RoutingRule> rules;
    private final Map<Sensor, OutputSeries> cache = new IdentityHashMap<>();
    private int generation;

    public SensorRouter(List<RoutingRule> rules, PrefixTemplate prefix, RotatingPcapStore store) {
        this.store = store;
        this.rules = List.copyOf(rules);
        this.prefix = prefix;
        this.generation = store.generation();
    }

    @Override
    public OutputSeries route(PacketBatch b, int i) {
        if (generation != store.generation()) {
            cache.clear();
            generation = store.generation();
        }
        Sensor s = (Sensor) b.origin[i];
        OutputSeries series = cache.get(s);
        if (series == null) {
            if (cache.size() >= CACHE_ENTRIES) {
                cache.clear();
            }
            PrefixTemplate t = prefix;
            for (RoutingRule r : rules) {
                if (r.name() != null && r.name().matches(s.id)) {
                    t = r.prefix();
                    break;
                }
            }
            series = store.series(t.render(null, null, s.id));
            cache.put(s, series);
        }
        return series;
    }
}
