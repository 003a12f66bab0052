package com.secureot.remote.sender;

import com.secureot.pcap.route.IpAddresses;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sending address: its name in file names and logs, its address in the forms the routing
 * rules match without allocation, and its counters. Shared by every connection and datagram from
 * that address; it is what a packet carries in {@code PacketBatch.origin}.
 */
public final class Sender {
    private final InetAddress address;
    private final String rendered;
    private final String name;
    /**
     * The sender's name: its TLS client certificate's (first DNS SAN, else CN), or the sensor id a
     * plaintext SOT2 stream gave in its hello; null for an address-only sender.
     */
    private final String certificateName;
    /** What {@code {sender_name}} becomes: the certificate name made safe for a file name, else {@link #rendered}. */
    private final String fileName;
    private final boolean v4;
    private final long v4Address;
    private final long hi;
    private final long lo;

    public final AtomicLong packets = new AtomicLong();
    public final AtomicLong bytes = new AtomicLong();
    /** SOT1 sequence numbers never received. */
    public final AtomicLong sot1Gaps = new AtomicLong();
    /** SOT1 sequences that started again at 0 (the forwarder restarted). */
    public final AtomicLong sot1Restarts = new AtomicLong();
    public final AtomicLong connections = new AtomicLong();
    public final AtomicLong rejected = new AtomicLong();

    // What the previous periodic line reported; only the (synchronized) report reads and writes them.
    public long reportedPackets = -1;
    public long reportedRejected = -1;

    public Sender(InetAddress address) {
        this(address, null);
    }

    /** A sender known by its verified certificate name, seen first at {@code address}. */
    public Sender(InetAddress address, String certificateName) {
        this.address = address;
        this.certificateName = certificateName;
        byte[] b = address.getAddress();
        rendered = IpAddresses.renderForFileName(address);
        // A v4 client on a dual-stack socket (::ffff:a.b.c.d) is matched and named as IPv4.
        if (b.length == 4 || IpAddresses.isV4Mapped(b)) {
            v4 = true;
            v4Address = IpAddresses.v4(b, b.length - 4);
            hi = 0;
            lo = 0;
        } else {
            v4 = false;
            v4Address = 0;
            hi = IpAddresses.be64(b, 0);
            lo = IpAddresses.be64(b, 8);
        }
        String shown = v4 ? rendered : IpAddresses.renderV6(hi, lo);
        name = certificateName == null ? shown : safeFileName(certificateName) + " (" + shown + ")";
        fileName = certificateName == null ? rendered : safeFileName(certificateName);
    }

    /**
     * A certificate name as a file-name part: letters, digits, '.', '_' and '-' kept, anything else
     * '_', no leading '.' or '-', at most 64 characters (a certificate is the sender's claim, not trusted text).
     */
    static String safeFileName(String certName) {
        StringBuilder sb = new StringBuilder(Math.min(certName.length(), 64));
        for (int i = 0; i < certName.length() && sb.length() < 64; i++) {
            char c = certName.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || ((c == '.' || c == '-') && sb.length() > 0);
            sb.append(ok ? c : '_');
        }
        String s = sb.toString().replace("..", "__");
        return s.isEmpty() ? "_" : s;
    }

    public InetAddress address() {
        return address;
    }

    public String certificateName() {
        return certificateName;
    }

    /** The sender as {@code {sender_name}} renders it. */
    public String fileName() {
        return fileName;
    }

    /** The address as in logs: {@code 192.168.1.10}, {@code fd00::10}; {@code probe-a (10.0.0.5)} when verified by TLS. */
    public String name() {
        return name;
    }

    /** The address as in file names: {@code 192.168.1.10}, {@code fd00--10}. */
    public String rendered() {
        return rendered;
    }

    public boolean isV4() {
        return v4;
    }

    public long v4Address() {
        return v4Address;
    }

    public long v6High() {
        return hi;
    }

    public long v6Low() {
        return lo;
    }

    /** Counts packets received from this sender. */
    public void received(long n, long capturedBytes) {
        packets.addAndGet(n);
        bytes.addAndGet(capturedBytes);
    }

    @Override
    public String toString() {
        return name;
    }
}
