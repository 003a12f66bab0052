package com.secureot.pcap.store;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteBuffersTest {

    @Test
    void regionsNeverOverlapAcrossSlabsAndComeBackWhenGiven() {
        WriteBuffers b = new WriteBuffers(16 << 10);
        Map<ByteBuffer, Set<Integer>> basesBySlab = new IdentityHashMap<>();
        int[] taken = new int[300]; // 128 regions a slab: three slabs
        for (int i = 0; i < taken.length; i++) {
            taken[i] = b.take();
            ByteBuffer slab = b.slab(taken[i]);
            int base = b.base(taken[i]);
            assertTrue(base >= 0 && base + b.regionBytes() <= slab.capacity(), "region inside its slab");
            assertTrue(basesBySlab.computeIfAbsent(slab, s -> new HashSet<>()).add(base), "region handed out twice");
        }
        assertEquals(3, basesBySlab.size());
        b.give(taken[17]);
        b.give(taken[150]);
        Set<Integer> again = Set.of(b.take(), b.take());
        assertEquals(Set.of(taken[17], taken[150]), again, "given regions are reused before new ones are cut");
    }

    @Test
    void releasedMemoryIsNotHandedOutAgain() {
        WriteBuffers b = new WriteBuffers(64 << 10);
        ByteBuffer before = b.slab(b.take());
        b.give(0);
        b.release();
        int region = b.take();
        assertEquals(0, region, "numbering starts again");
        assertTrue(b.slab(region) != before, "a new slab, not the unmapped one");
        b.slab(region).putLong(b.base(region), 42);
        b.release();
    }

    @Test
    void aRegionSizeMustDivideTheSlab() {
        assertThrows(IllegalArgumentException.class, () -> new WriteBuffers(3000));
    }
}
