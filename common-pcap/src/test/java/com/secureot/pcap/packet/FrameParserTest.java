package com.secureot.pcap.packet;

import com.secureot.pcap.testing.TestPcaps;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static com.secureot.pcap.testing.TestPcaps.concat;
import static com.secureot.pcap.testing.TestPcaps.ethernet;
import static com.secureot.pcap.testing.TestPcaps.ethernetTagged;
import static com.secureot.pcap.testing.TestPcaps.ipv4;
import static com.secureot.pcap.testing.TestPcaps.ipv6;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FrameParserTest {
    private static final byte[] V4 = ipv4("10.0.0.1", "10.0.0.2", new byte[8]);
    private static final byte[] V6 = ipv6("fd00::1", "fd00::2", new byte[8]);

    /** The offset found in {@code frame} placed at a non-zero offset of a larger array. */
    private static int offset(int linkType, byte[] frame) {
        byte[] big = concat(new byte[7], frame, new byte[5]);
        return FrameParser.ipHeaderOffset(linkType, big, 7, frame.length);
    }

    @Test
    void findsIpBehindEthernet() {
        assertEquals(14, offset(LinkTypes.ETHERNET, ethernet(0x0800, V4)));
        assertEquals(14, offset(LinkTypes.ETHERNET, ethernet(0x86DD, V6)));
    }

    @Test
    void findsIpBehindOneOrTwoVlanTags() {
        assertEquals(18, offset(LinkTypes.ETHERNET, ethernetTagged(new int[][] {{0x8100, 5}}, 0x0800, V4)));
        assertEquals(22, offset(LinkTypes.ETHERNET,
                ethernetTagged(new int[][] {{0x88A8, 100}, {0x8100, 5}}, 0x86DD, V6)));
        assertEquals(22, offset(LinkTypes.ETHERNET,
                ethernetTagged(new int[][] {{0x8100, 100}, {0x8100, 5}}, 0x0800, V4)));
        assertEquals(-1, offset(LinkTypes.ETHERNET, ethernetTagged(new int[][] {{0x8100, 5}}, 0x8892, new byte[40])),
                "PROFINET inside a VLAN");
    }

    @Test
    void findsIpBehindLinuxCookedHeaders() {
        byte[] sll = ByteBuffer.allocate(16).putShort((short) 0).putShort((short) 1).putShort((short) 6)
                .put(new byte[8]).putShort((short) 0x0800).array();
        assertEquals(16, offset(LinkTypes.LINUX_SLL, concat(sll, V4)));
        byte[] sll2 = ByteBuffer.allocate(20).putShort((short) 0x86DD).putShort((short) 0).putInt(3)
                .putShort((short) 1).put((byte) 0).put((byte) 6).put(new byte[8]).array();
        assertEquals(20, offset(LinkTypes.LINUX_SLL2, concat(sll2, V6)));
        byte[] sll2Arp = sll2.clone();
        sll2Arp[0] = 0x08;
        sll2Arp[1] = 0x06;
        assertEquals(-1, offset(LinkTypes.LINUX_SLL2, concat(sll2Arp, new byte[28])));
    }

    @Test
    void findsIpAtTheStartOfRawFramesWhateverTheRawLinkType() {
        for (int link : new int[] {LinkTypes.RAW, LinkTypes.DLT_RAW_12, LinkTypes.DLT_RAW_14}) {
            assertEquals(0, offset(link, V4), "link " + link);
            assertEquals(0, offset(link, V6), "link " + link);
        }
    }

    @Test
    void findsIpBehindBsdLoopbackInEitherByteOrder() {
        byte[] le = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).array();
        byte[] be = ByteBuffer.allocate(4).putInt(2).array();
        byte[] le6 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(30).array();
        assertEquals(4, offset(LinkTypes.NULL, concat(le, V4)));
        assertEquals(4, offset(LinkTypes.NULL, concat(be, V4)));
        assertEquals(4, offset(LinkTypes.NULL, concat(le6, V6)));
        assertEquals(4, offset(LinkTypes.LOOP, concat(be, V4)));
        assertEquals(-1, offset(LinkTypes.NULL, concat(ByteBuffer.allocate(4).putInt(7).array(), V4)),
                "an unknown address family");
    }

    @Test
    void acceptsIpv4WithOptions() {
        byte[] withOptions = TestPcaps.ipv4WithOptions("10.0.0.1", "10.0.0.2", new byte[] {(byte) 0x94, 4, 0, 0},
                new byte[8]);
        assertEquals(0x46, withOptions[0]);
        assertEquals(14, offset(LinkTypes.ETHERNET, ethernet(0x0800, withOptions)));
    }

    @Test
    void framesWithoutAReadableIpHeaderGiveMinusOne() {
        assertEquals(-1, offset(LinkTypes.ETHERNET, TestPcaps.arpFrame("10.0.0.1", "10.0.0.2")));
        assertEquals(-1, offset(LinkTypes.ETHERNET, TestPcaps.profinetFrame(0x8000)));
        assertEquals(-1, offset(LinkTypes.ETHERNET, TestPcaps.lldpFrame()));
        assertEquals(-1, offset(LinkTypes.ETHERNET, new byte[10]), "runt");
        assertEquals(-1, offset(LinkTypes.ETHERNET, new byte[0]), "empty");
        assertEquals(-1, offset(LinkTypes.ETHERNET, Arrays.copyOf(ethernet(0x0800, V4), 14 + 19)),
                "IPv4 header cut short");
        assertEquals(-1, offset(LinkTypes.ETHERNET, Arrays.copyOf(ethernet(0x86DD, V6), 14 + 39)),
                "IPv6 header cut short");
        assertEquals(-1, offset(LinkTypes.ETHERNET,
                Arrays.copyOf(ethernetTagged(new int[][] {{0x8100, 5}}, 0x0800, V4), 16)), "VLAN tag cut short");
        byte[] ihl4 = V4.clone();
        ihl4[0] = 0x44;
        assertEquals(-1, offset(LinkTypes.ETHERNET, ethernet(0x0800, ihl4)), "IHL < 5");
        assertEquals(-1, offset(LinkTypes.RAW, ihl4), "IHL < 5 in raw IP");
        assertEquals(-1, offset(LinkTypes.ETHERNET, ethernet(0x0800, V6)), "EtherType IPv4 with an IPv6 header");
        assertEquals(-1, offset(LinkTypes.RAW, new byte[] {0x45, 0, 0}), "raw runt");
        assertEquals(-1, offset(LinkTypes.NULL, new byte[] {2, 0}), "loopback runt");
        assertEquals(-1, offset(147, V4), "an unknown link type");
    }
}
