package com.secureot.pcap.wire;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocation-free HMAC against RFC 4231's vectors and against the JCE's own HmacSHA256. */
class HmacSha256Test {
    private static final HexFormat HEX = HexFormat.of();

    private static String mac(byte[] key, byte[] data) {
        byte[] d = new byte[data.length + 5];
        System.arraycopy(data, 0, d, 3, data.length); // an offset range, as datagrams are
        return HEX.formatHex(new HmacSha256().mac(Sot1Key.of(1, "t", key.clone()), d, 3, data.length));
    }

    @Test
    void matchesTheVectorsOfRfc4231() {
        byte[] k1 = new byte[20];
        Arrays.fill(k1, (byte) 0x0b);
        assertEquals("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                mac(k1, "Hi There".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                mac("Jefe".getBytes(StandardCharsets.US_ASCII),
                        "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)));
        byte[] k6 = new byte[131];
        Arrays.fill(k6, (byte) 0xaa);
        assertEquals("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                mac(k6, "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void reusedInstanceGivesTheJcesMacForEveryLengthAndKeySize() throws Exception {
        Random r = new Random(7);
        HmacSha256 hmac = new HmacSha256();
        for (int keyLen : new int[] {32, 64, 65, 200}) {
            byte[] key = new byte[keyLen];
            r.nextBytes(key);
            Mac jce = Mac.getInstance("HmacSHA256");
            jce.init(new SecretKeySpec(key, "HmacSHA256"));
            Sot1Key k = Sot1Key.of(9, "t", key.clone());
            for (int len : new int[] {0, 1, 55, 56, 63, 64, 65, 1500, 65507}) {
                byte[] d = new byte[len];
                r.nextBytes(d);
                assertArrayEquals(jce.doFinal(d), hmac.mac(k, d, 0, len), "key " + keyLen + " data " + len);
            }
        }
    }

    @Test
    void verifyComparesTheTruncatedTag() {
        HmacSha256 hmac = new HmacSha256();
        Sot1Key k = Sot1Key.of(1, "t", new byte[32]);
        byte[] d = "payload".getBytes(StandardCharsets.US_ASCII);
        byte[] tag = Arrays.copyOf(hmac.mac(k, d, 0, d.length), 16);
        assertTrue(hmac.verify(k, d, 0, d.length, tag, 0, 16));
        for (int i = 0; i < 16; i++) {
            byte[] bad = tag.clone();
            bad[i] ^= 0x01;
            assertFalse(hmac.verify(k, d, 0, d.length, bad, 0, 16), "tag byte " + i + " flipped");
        }
    }

    @Test
    void aMessageAllocatesNothing() {
        // The JCE's Mac.doFinal allocates 48 bytes per message here (its result array); this must not.
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean mx
                && mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
                "no per-thread allocation counter in this JVM");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        HmacSha256 hmac = new HmacSha256();
        Sot1Key k = Sot1Key.of(1, "t", new byte[32]);
        byte[] d = new byte[1500];
        boolean ok = true;
        for (int i = 0; i < 20_000; i++) {
            ok &= !hmac.verify(k, d, 0, 1484, d, 1484, 16);
        }
        long thread = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 10_000; i++) {
            ok &= !hmac.verify(k, d, 0, 1484, d, 1484, 16);
        }
        long allocated = mx.getThreadAllocatedBytes(thread) - before;
        assertTrue(ok, "a zero tag never verifies");
        assertTrue(allocated < 1024, allocated + " bytes allocated for 10 000 messages");
    }
}
