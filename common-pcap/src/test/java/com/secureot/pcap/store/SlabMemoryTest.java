package com.secureot.pcap.store;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlabMemoryTest {

    @Test
    void slabsAreZeroedWritableAndApartOnHugePageBoundaries() {
        SlabMemory.Slab a = SlabMemory.allocate(2 * SlabMemory.HUGE_PAGE);
        SlabMemory.Slab b = SlabMemory.allocate(SlabMemory.HUGE_PAGE);
        try {
            ByteBuffer x = a.buffer();
            ByteBuffer y = b.buffer();
            assertTrue(x.isDirect());
            assertEquals(2 * SlabMemory.HUGE_PAGE, x.capacity());
            assertEquals(SlabMemory.HUGE_PAGE, y.capacity());
            for (int i = 0; i < x.capacity(); i += 4096) {
                assertEquals(0, x.get(i), "zeroed at " + i);
            }
            x.put(0, (byte) 1).put(x.capacity() - 1, (byte) 2);
            y.put(0, (byte) 3).put(y.capacity() - 1, (byte) 4);
            assertEquals(1, x.get(0));
            assertEquals(2, x.get(x.capacity() - 1));
            assertEquals(3, y.get(0));
            assertEquals(4, y.get(y.capacity() - 1));
            if (LinuxMmap.SUPPORTED) {
                // This build machine is Linux on x86-64: the mapped path must be the one taken.
                assertTrue(a.address() != 0 && b.address() != 0, "mapped, not a direct buffer");
                assertEquals(0, a.address() % SlabMemory.HUGE_PAGE, "aligned to a huge page");
                assertEquals(0, b.address() % SlabMemory.HUGE_PAGE, "aligned to a huge page");
            }
        } finally {
            SlabMemory.release(a);
            SlabMemory.release(b);
        }
    }
}
