package com.secureot.pcap.wire;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA-256 (RFC 2104) over a byte range, with no allocation per message: the JCE's
 * {@code Mac.doFinal} returns a fresh array each call, so this runs the two SHA-256 passes itself
 * on reused digests and buffers (the same work as the JDK's HmacCore, which also re-hashes the
 * padded key each message). One instance per thread: it is not thread-safe.
 */
public final class HmacSha256 {
    static final int BLOCK_BYTES = 64;
    public static final int MAC_BYTES = 32;

    private final MessageDigest inner;
    private final MessageDigest outer;
    private final byte[] innerHash = new byte[MAC_BYTES];
    private final byte[] mac = new byte[MAC_BYTES];

    public HmacSha256() {
        try {
            inner = MessageDigest.getInstance("SHA-256");
            outer = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The MAC of {@code d[off, off + len)} under {@code key}, in a buffer this instance reuses
     * (valid until the next call).
     */
    public byte[] mac(Sot1Key key, byte[] d, int off, int len) {
        try {
            inner.reset();
            inner.update(key.innerPad());
            inner.update(d, off, len);
            inner.digest(innerHash, 0, MAC_BYTES);
            outer.reset();
            outer.update(key.outerPad());
            outer.update(innerHash);
            outer.digest(mac, 0, MAC_BYTES);
            return mac;
        } catch (DigestException e) {
            throw new IllegalStateException("a 32-byte buffer holds a SHA-256 digest", e);
        }
    }

    /** True when the first {@code n} bytes of the MAC of the range equal {@code tag[tagOff, tagOff + n)}; constant time. */
    public boolean verify(Sot1Key key, byte[] d, int off, int len, byte[] tag, int tagOff, int n) {
        byte[] m = mac(key, d, off, len);
        int diff = 0;
        for (int i = 0; i < n; i++) {
            diff |= m[i] ^ tag[tagOff + i];
        }
        return diff == 0;
    }
}
