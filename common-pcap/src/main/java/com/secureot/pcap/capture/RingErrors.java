package com.secureot.pcap.capture;

import java.nio.ByteOrder;

/** The messages of a packet ring that cannot be set up, classified by errno; shared by both {@link RingSocket}s. */
final class RingErrors {
    private RingErrors() {
    }

    /** socket(2) failed: without CAP_NET_RAW that is EPERM, and the operator must be told which capability. */
    static CaptureOpenException socket(String itf, int errno) {
        if (LinuxPacket.permission(errno)) {
            return new CaptureOpenException(CapturePermission.denied(itf, "socket(AF_PACKET): " + LinuxPacket.errno(errno)));
        }
        return call(itf, "socket(AF_PACKET)", errno);
    }

    static CaptureOpenException call(String itf, String what, int errno) {
        String hint = "";
        if (errno == LinuxPacket.ENOMEM) {
            hint = " (lower capture.buffer_size_mb)";
        } else if (LinuxPacket.permission(errno)) {
            hint = " (needs CAP_NET_RAW and CAP_NET_ADMIN)";
        }
        return new CaptureOpenException("interface \"" + itf + "\" cannot be opened: " + what + " failed: "
                + LinuxPacket.errno(errno) + hint);
    }

    /** The capture broke after it started (interface down or gone): as libpcap's failed dispatch, exit 69. */
    static CaptureOpenException failed(String itf, int errno) {
        return new CaptureOpenException("capture on \"" + itf + "\" failed: " + LinuxPacket.errno(errno));
    }

    /** A 16-bit value in network byte order, as the host stores it. */
    static short htons(int v) {
        short s = (short) v;
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes(s) : s;
    }
}
