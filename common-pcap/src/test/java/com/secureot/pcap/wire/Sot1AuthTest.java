package com.secureot.pcap.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The authenticated SOT1 layout of docs/wire-formats.md: built, decoded, verified, tampered with. */
class Sot1AuthTest {
    private static final byte[] FRAME = HexFormat.of().parseHex(
            "ffffffffffff02000000000108060001080006040001020000000001c0a80164000000000000c0a801c8");

    private static byte[] datagram(Sot1Key key, long sequence, long epoch) {
        byte[] d = new byte[Sot1.AUTH_HEADER_BYTES + FRAME.length + Sot1.TAG_BYTES];
        ByteBuffer b = ByteBuffer.wrap(d);
        Sot1.putAuthenticatedHeader(b, 1, sequence, 1_700_000_000L, 123_456_789, true, 60, key.id(), epoch);
        b.put(FRAME);
        assertEquals(d.length, Sot1.seal(new HmacSha256(), key, d, b.position()));
        return d;
    }

    @Test
    void decodesTheDocumentedLayout() {
        Sot1Key key = Sot1Key.of(7, "probe-a", new byte[32]);
        byte[] d = datagram(key, 0x1_0000_0002L, 1_764_590_000_123_456L);
        assertEquals("534f5431" + "0001" + "0001" + "00000002", HexFormat.of().formatHex(d, 0, 12));
        assertEquals("00000007" + "000644e2a021ae40" + "00000001", HexFormat.of().formatHex(d, 24, 40));
        Sot1.Header h = Sot1.decode(d, 0, d.length);
        assertNull(h.problem());
        assertTrue(h.authenticated());
        assertEquals(7, h.keyId());
        assertEquals(1_764_590_000_123_456L, h.epoch());
        assertEquals(0x1_0000_0002L, h.sequence());
        assertEquals(1_700_000_000L, h.sec());
        assertEquals(123_456_789, h.fraction());
        assertEquals(60, h.origLen());
        assertEquals(Sot1.AUTH_HEADER_BYTES, h.dataOffset());
        assertEquals(FRAME.length, h.dataLength());
        assertTrue(Sot1.authentic(new HmacSha256(), key, d, 0, d.length));
    }

    @Test
    void theExampleOfTheWireFormatDocumentIsReproduced() {
        // docs/wire-formats.md, "authenticated SOT1", Example: key 32 zero bytes, key id 7.
        byte[] d = datagram(Sot1Key.of(7, "doc", new byte[32]), 0, 1_764_590_000_123_456L);
        assertEquals("534f543100010001000000001797"
                + "9cfe3d85cd150000003c0000000700" + "0644e2a021ae4000000000", HexFormat.of().formatHex(d, 0, 40));
        assertEquals("9e1d98f5955832c32800ef1f7b2b32dd", HexFormat.of().formatHex(d, d.length - 16, d.length));
    }

    @Test
    void anyChangedBitOrAnotherKeyFailsTheTag() {
        Sot1Key key = Sot1Key.of(7, "probe-a", new byte[32]);
        byte[] other = new byte[32];
        other[31] = 1;
        byte[] d = datagram(key, 5, 1);
        HmacSha256 hmac = new HmacSha256();
        assertFalse(Sot1.authentic(hmac, Sot1Key.of(7, "x", other), d, 0, d.length));
        for (int i = 0; i < d.length; i++) {
            byte[] t = d.clone();
            t[i] ^= 0x10;
            assertFalse(Sot1.authentic(hmac, key, t, 0, t.length), "byte " + i + " changed");
        }
        // Cut: the tag moves and no longer matches.
        assertFalse(Sot1.authentic(hmac, key, d, 0, d.length - 1));
        assertTrue(Sot1.authentic(hmac, key, d, 0, d.length));
    }

    @Test
    void shortAuthenticatedDatagramsAndUnknownFlagsAreRefused() {
        byte[] d = datagram(Sot1Key.of(1, "x", new byte[32]), 0, 1);
        assertTrue(Sot1.decode(d, 0, Sot1.AUTH_HEADER_BYTES + Sot1.TAG_BYTES - 1).problem()
                .startsWith("authenticated SOT1 datagram of 55 bytes is shorter"));
        d[7] = 9;
        assertTrue(Sot1.decode(d, 0, d.length).problem().startsWith("SOT1 flags 9 are not supported"));
        d[7] = 5; // microseconds without the fields flag
        assertTrue(Sot1.decode(d, 0, d.length).problem().startsWith("SOT1 flags 5 are not supported"));
    }

    @Test
    void keyFilesAreCheckedAtLoad(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.key");
        Files.write(good, new byte[32]);
        Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-r-----"));
        Sot1Key k = Sot1Key.load(3, "probe", good);
        assertFalse(k.othersMayRead());
        assertEquals("key 3 (probe)", k.toString());
        Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(Sot1Key.load(3, "probe", good).othersMayRead());

        Path shortKey = dir.resolve("short.key");
        Files.write(shortKey, new byte[16]);
        assertEquals("\"" + shortKey + "\" holds 16 bytes; a key must be at least 32 bytes (make one with: "
                + "head -c 32 /dev/urandom > FILE)",
                assertThrows(Sot1Key.KeyFileException.class, () -> Sot1Key.load(1, "p", shortKey)).getMessage());
        assertEquals("\"" + dir.resolve("none") + "\" does not exist",
                assertThrows(Sot1Key.KeyFileException.class, () -> Sot1Key.load(1, "p", dir.resolve("none")))
                        .getMessage());
        assertTrue(assertThrows(Sot1Key.KeyFileException.class, () -> Sot1Key.load(1, "p", dir)).getMessage()
                .endsWith("is a directory, not a key file"));
        Path big = dir.resolve("big.key");
        Files.write(big, new byte[2000]);
        assertTrue(assertThrows(Sot1Key.KeyFileException.class, () -> Sot1Key.load(1, "p", big)).getMessage()
                .contains("is 2000 bytes long"));
    }

    @Test
    void aKeyFileIsTheSameKeyAsItsBytes(@TempDir Path dir) throws Exception {
        byte[] key = new byte[48];
        Arrays.fill(key, (byte) 0x5a);
        Path f = dir.resolve("k");
        Files.write(f, key);
        byte[] d = datagram(Sot1Key.of(2, "mem", key.clone()), 9, 4);
        assertTrue(Sot1.authentic(new HmacSha256(), Sot1Key.load(2, "file", f), d, 0, d.length));
    }
}
