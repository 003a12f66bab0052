package com.secureot.pcap.capture;

import java.util.Set;

/**
 * The numbers and struct sizes of Linux's packet sockets (linux/if_packet.h, asm-generic/socket.h)
 * that {@link RingSocket} passes, in both of its versions. They hold on x86-64 and AArch64; other
 * architectures number some socket options differently (SOL_SOCKET is 0xffff on SPARC and MIPS)
 * or have 32-bit pointers, which changes struct sock_fprog. So the ring is offered only where
 * these values are known to be right; elsewhere libpcap captures.
 */
final class LinuxPacket {
    static final boolean SUPPORTED = System.getProperty("os.name", "").equals("Linux")
            && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch", ""));

    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int ETH_P_ALL = 0x0003;
    static final int SOL_SOCKET = 1;
    static final int SO_ATTACH_FILTER = 26;
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_FANOUT = 18;
    /** Fanout by the kernel's flow hash (symmetric: both directions of a flow go to the same socket). */
    static final int PACKET_FANOUT_HASH = 0;
    /** The kernel picks a group id no other group has (id 0 given); the other sockets join with it. */
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    static final int TPACKET_V3 = 2;
    static final int PACKET_MR_PROMISC = 1;
    static final int PROT_READ_WRITE = 0x1 | 0x2;
    static final int MAP_SHARED = 0x01;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    /** Poll results that mean the socket is broken rather than readable. */
    static final int POLL_FAILED = 0x8 | 0x10 | 0x20; // POLLERR | POLLHUP | POLLNVAL
    static final int SO_ERROR = 4;

    /** struct sockaddr_ll. */
    static final int SOCKADDR_LL_BYTES = 20;
    /** struct tpacket_req3: seven u32. */
    static final int TPACKET_REQ3_BYTES = 28;
    /** struct packet_mreq: int ifindex, u16 type, u16 alen, u8 address[8]. */
    static final int PACKET_MREQ_BYTES = 16;
    /** struct sock_fprog on LP64: u16 len, padding, pointer at 8. */
    static final int SOCK_FPROG_BYTES = 16;
    /** struct tpacket_stats_v3: tp_packets, tp_drops, tp_freeze_q_cnt. */
    static final int TPACKET_STATS_V3_BYTES = 12;
    /** struct pollfd: int fd, short events, short revents. */
    static final int POLLFD_BYTES = 8;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENETDOWN = 100;

    private LinuxPacket() {
    }

    /** The errno's symbolic name with its meaning, for messages (the C library's text depends on the locale). */
    static String errno(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM (operation not permitted)";
            case EINTR -> "EINTR (interrupted)";
            case ENOMEM -> "ENOMEM (out of memory)";
            case EACCES -> "EACCES (permission denied)";
            case ENODEV -> "ENODEV (no such device)";
            case EINVAL -> "EINVAL (invalid argument)";
            case ENETDOWN -> "ENETDOWN (network is down)";
            case 6 -> "ENXIO (no such device or address)";
            case 97 -> "EAFNOSUPPORT (packet sockets not in this kernel)";
            default -> "errno " + errno;
        };
    }

    /** True when {@code errno} says the process lacks the capability to open packet sockets. */
    static boolean permission(int errno) {
        return errno == EPERM || errno == EACCES;
    }
}
