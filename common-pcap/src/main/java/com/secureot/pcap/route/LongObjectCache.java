package com.secureot.pcap.route;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to values, so that routing an IPv4 packet to its per-IP
 * file needs no boxing. Bounded: when full it is cleared and refilled from the live traffic.
 */
final class LongObjectCache<V> {
    private static final long EMPTY = Long.MIN_VALUE;
    private final int maxEntries;
    private long[] keys;
    private Object[] values;
    private int size;
    // The one key equal to the empty marker (128.0.0.0 -> 0.0.0.0) lives outside the table.
    private Object markerValue;

    LongObjectCache(int maxEntries) {
        this.maxEntries = maxEntries;
        keys = new long[64];
        values = new Object[64];
        Arrays.fill(keys, EMPTY);
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        if (key == EMPTY) {
            return (V) markerValue;
        }
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    void put(long key, V value) {
        if (key == EMPTY) {
            markerValue = value;
            return;
        }
        if (size >= maxEntries) {
            clear();
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        insert(key, value);
    }

    private void insert(long key, Object value) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                insert(oldKeys[i], oldValues[i]);
            }
        }
    }

    void clear() {
        markerValue = null;
        Arrays.fill(keys, EMPTY);
        Arrays.fill(values, null);
        size = 0;
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
