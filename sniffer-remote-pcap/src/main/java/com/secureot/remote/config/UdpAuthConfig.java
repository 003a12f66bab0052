package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.wire.Sot1Key;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code udp_auth}: the sensors' SOT1 keys, each read from its own file at load (so that
 * {@code --check-config} finds a missing, unreadable or short one), by key id.
 *
 * @param keys every configured key; empty: authenticated datagrams are refused as {@code bad_auth}
 */
public record UdpAuthConfig(List<Sot1Key> keys) {

    static UdpAuthConfig read(ConfigNode n) {
        List<Sot1Key> keys = new ArrayList<>();
        Map<Long, String> ids = new HashMap<>();
        for (ConfigNode k : n.children("keys")) {
            long id = k.integer("key_id", -1, 0, Sot1Key.MAX_ID);
            if (!k.has("key_id")) {
                k.error("key_id", "is required");
            }
            String name = k.requiredString("sensor_name");
            if (name != null && name.isBlank()) {
                k.error("sensor_name", "must not be empty");
            }
            String file = k.requiredString("key_file");
            k.finish();
            if (id < 0 || name == null || file == null) {
                continue;
            }
            String earlier = ids.putIfAbsent(id, k.path());
            if (earlier != null) {
                k.error("key_id", id + " is already the id of " + earlier + " (each key needs its own id)");
                continue;
            }
            try {
                keys.add(Sot1Key.load(id, name.trim(), Path.of(file)));
            } catch (Sot1Key.KeyFileException e) {
                k.error("key_file", e.getMessage());
            } catch (java.nio.file.InvalidPathException e) {
                k.error("key_file", ConfigNode.quote(file) + " is not a valid path");
            }
        }
        n.finish();
        return new UdpAuthConfig(List.copyOf(keys));
    }
}
