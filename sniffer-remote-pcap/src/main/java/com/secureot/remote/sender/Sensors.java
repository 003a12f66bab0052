package com.secureot.remote.sender;

import com.secureot.pcap.wire.Sot1Key;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The sensors of {@code udp_auth.keys}, found by key id with a binary search (no boxing per datagram). */
public final class Sensors {
    private final long[] ids;
    private final Sensor[] sensors;

    public Sensors(List<Sot1Key> keys) {
        List<Sot1Key> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparingLong(Sot1Key::id));
        ids = new long[sorted.size()];
        sensors = new Sensor[sorted.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = sorted.get(i).id();
            sensors[i] = new Sensor(sorted.get(i));
        }
    }

    /** The sensor of {@code keyId}, or null when no key has that id. */
    public Sensor byKeyId(long keyId) {
        int i = Arrays.binarySearch(ids, keyId);
        return i < 0 ? null : sensors[i];
    }

    public boolean isEmpty() {
        return ids.length == 0;
    }

    /** Every sensor, by key id. */
    public List<Sensor> all() {
        return List.of(sensors);
    }
}
