package com.secureot.remote.kafka;

import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.route.PacketRouter;
import com.secureot.pcap.route.PrefixTemplate;
import com.secureot.pcap.store.OutputSeries;
import com.secureot.pcap.store.RotatingPcapStore;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Routes a consumed packet by its sensor: {@code default_output_prefix} with {@code {sender_name}}
 * as the sensor id. Cached per sensor, so routing a packet is one identity lookup. Store thread.
 */
public final class SensorRouter implements PacketRouter {
    private static final int CACHE_ENTRIES = 1 << 16;

    private final RotatingPcapStore store;
    private final PrefixTemplate prefix;
    private final Map<Sensor, OutputSeries> cache = new IdentityHashMap<>();
    private int generation;

    public SensorRouter(PrefixTemplate prefix, RotatingPcapStore store) {
        this.store = store;
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
            series = store.series(prefix.render(null, null, s.id));
            cache.put(s, series);
        }
        return series;
    }
}
