package com.secureot.pcap.capture;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which native paths this JVM gets, and that they work as far as a unit test can go (no root,
 * no network). Surefire runs it against the classes (the Java 17 versions); failsafe runs it
 * again against the multi-release jar (execution {@code java22-classes-from-the-jar}), where a
 * JVM of 22 or newer loads the src/main/java22 versions: that run is how those are tested.
 */
class NativePathsTest {
    private static final boolean LINUX_LP64 = System.getProperty("os.name").equals("Linux")
            && (System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("aarch64"));

    private static boolean fromJar() {
        return RingSocket.class.getProtectionDomain().getCodeSource().getLocation().getPath().endsWith(".jar");
    }

    /** True when the Java 22+ versions of the classes should be the ones loaded. */
    private static boolean java22Versions() {
        return Runtime.version().feature() >= 22 && fromJar();
    }

    @Test
    void theJarRunLoadsTheClassesFromTheJar() {
        // Set by the failsafe execution: without it, the "jar" run would silently test the classes again.
        if (Boolean.getBoolean("expect.jar")) {
            assertTrue(fromJar(), "loaded from " + RingSocket.class.getProtectionDomain().getCodeSource().getLocation());
        }
    }

    @Test
    void theRingIsReadThroughTheForeignFunctionApiOnJava22AndJnaBefore() {
        assertEquals(java22Versions() ? "the foreign function API" : "JNA", RingSocket.via());
        assertEquals(LINUX_LP64, RingSocket.available(), "the ring is offered exactly on 64-bit Linux");
    }

    @Test
    void libpcapThroughTheForeignFunctionApiOnlyWhereItsHeaderLayoutHolds() {
        boolean lp64Linux = System.getProperty("os.name").equals("Linux")
                && "64".equals(System.getProperty("sun.arch.data.model"));
        assertEquals(java22Versions() && lp64Linux, LiveCaptures.ffmAvailable());
    }

    @Test
    void interfaceIndexFindsLoopbackAndNothingForAMissingName() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RingSocket.available(), "no packet ring on this system");
        assertTrue(RingSocket.interfaceIndex("lo") > 0, "lo has an index");
        assertEquals(0, RingSocket.interfaceIndex("rgnosuch0"));
    }

    @Test
    void autoTakesTheRingForEthernetAndLoopbackAndLeavesLibpcapItsPseudoDevices() {
        org.junit.jupiter.api.Assumptions.assumeTrue(RingSocket.available(), "no packet ring on this system");
        assertEquals(null, RingCapture.unsupported("lo"));
        assertTrue(RingCapture.unsupported("any").contains("not a network device"), RingCapture.unsupported("any"));
        assertTrue(RingCapture.unsupported("rgnosuch0") != null);
    }

    @Test
    void aRingIsWholeBlocksAtLeastTwoAndABlockHoldsTheLargestFrame() {
        RingGeometry tiny = RingGeometry.of(1 << 20, 262144, 50);
        assertEquals(2, tiny.blocks());
        assertEquals(1 << 20, tiny.blockSize());
        RingGeometry dflt = RingGeometry.of(64L << 20, 262144, 50);
        assertEquals(64, dflt.blocks());
        assertEquals(64L << 20, dflt.bytes());
        assertEquals(0, dflt.blockSize() % dflt.frameSize(), "frames divide the block");
        assertEquals(dflt.blocks() * (dflt.blockSize() / dflt.frameSize()), dflt.frames());
    }

    @Test
    void filtersAreLibpcapsWithItsOwnMessage() {
        assertEquals(null, BpfFilters.problem("udp or (vlan and tcp port 502)", 262144));
        assertEquals("can't parse filter expression: syntax error", BpfFilters.problem("tcp port", 262144));
    }
}
