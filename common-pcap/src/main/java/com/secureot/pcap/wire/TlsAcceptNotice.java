package com.secureot.pcap.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The 8 bytes a collector sends first on a TLS connection once it has verified and accepted the
 * client's certificate, to a client that asked for them by offering {@link #ALPN} in its hello
 * (docs/wire-formats.md, "Inside mutual TLS"). TLS 1.3 verifies the client after the client's side
 * of the handshake is done, so a client cannot tell from the handshake alone whether it was
 * accepted; without a positive answer it could only wait for a refusal that an accepting collector
 * never sends. Only on request: a sender that never reads (socat -u, a pipe into s_client) would
 * close with the bytes unread, which the kernel turns into a reset, and its stream would be lost.
 * Format-independent: it precedes whatever the client sends, PCAP-over-IP or SOT2.
 */
public final class TlsAcceptNotice {
    /**
     * The ALPN protocol name a forwarder offers: a collector that selects it sends the notice, so
     * the forwarder may wait for notice or refusal as long as the handshake may take.
     */
    public static final String ALPN = "secureot/1";
    /** "SOTA", version 1, two reserved zero bytes. */
    private static final byte[] NOTICE = {'S', 'O', 'T', 'A', 0, 1, 0, 0};
    public static final int BYTES = NOTICE.length;

    private TlsAcceptNotice() {
    }

    /** A fresh copy of the notice, for one connection to send. */
    public static byte[] bytes() {
        return NOTICE.clone();
    }

    /** Whether the next {@link #BYTES} bytes of {@code b} (not consumed) are the notice. */
    public static boolean matches(ByteBuffer b) {
        if (b.remaining() < BYTES) {
            return false;
        }
        byte[] got = new byte[BYTES];
        b.duplicate().get(got);
        return Arrays.equals(got, NOTICE);
    }
}
