package com.secureot.pcap.route;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LongObjectCacheTest {
    @Test
    void keepsEveryKeyIncludingTheOneEqualToTheEmptyMarker() {
        LongObjectCache<String> c = new LongObjectCache<>(1000);
        long marker = (0x80000000L << 32); // 128.0.0.0 -> 0.0.0.0
        c.put(marker, "m");
        for (long k = 0; k < 500; k++) {
            c.put(k * 7919, "v" + k);
        }
        assertEquals("m", c.get(marker));
        for (long k = 0; k < 500; k++) {
            assertEquals("v" + k, c.get(k * 7919));
        }
        assertNull(c.get(1));
    }

    @Test
    void startsAgainEmptyWhenFullSoMemoryStaysBounded() {
        LongObjectCache<String> c = new LongObjectCache<>(10);
        for (long k = 0; k < 10; k++) {
            c.put(k, "v");
        }
        c.put(100, "new");
        assertNull(c.get(0));
        assertEquals("new", c.get(100));
    }
}
