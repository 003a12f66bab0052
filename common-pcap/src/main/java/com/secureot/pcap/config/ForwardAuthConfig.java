package com.secureot.pcap.config;

import com.secureot.pcap.wire.Sot1Key;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code forward.auth}: the sensor's SOT1 key, read from its file at load (so that
 * {@code --check-config} finds a missing, unreadable or short one). With a key, every datagram
 * is authenticated (docs/wire-formats.md); without, plain SOT1 as before.
 *
 * @param key null when {@code forward.auth} is absent
 */
public record ForwardAuthConfig(Sot1Key key) {
    public static final ForwardAuthConfig NONE = new ForwardAuthConfig(null);

    public boolean enabled() {
        return key != null;
    }

    static ForwardAuthConfig read(ConfigNode n, boolean present) {
        if (!present) {
            return NONE; // absent, or already an error of forward.auth itself
        }
        long id = n.integer("key_id", -1, 0, Sot1Key.MAX_ID);
        if (!n.has("key_id")) {
            n.error("key_id", "is required with forward.auth");
        }
        String file = n.string("key_file", null);
        if (file == null) {
            n.error("key_file", "is required with forward.auth");
        }
        n.finish();
        if (id < 0 || file == null) {
            return NONE;
        }
        try {
            return new ForwardAuthConfig(Sot1Key.load(id, "key " + id, Path.of(file)));
        } catch (Sot1Key.KeyFileException e) {
            n.error("key_file", e.getMessage());
        } catch (InvalidPathException e) {
            n.error("key_file", ConfigNode.quote(file) + " is not a valid path");
        }
        return NONE;
    }
}
