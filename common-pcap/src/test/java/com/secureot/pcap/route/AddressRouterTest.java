package com.secureot.pcap.route;

import com.secureot.pcap.config.RoutingRule;
import com.secureot.pcap.packet.BatchPool;
import com.secureot.pcap.packet.LinkTypes;
import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.testing.TestPcaps;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static com.secureot.pcap.testing.TestPcaps.concat;
import static com.secureot.pcap.testing.TestPcaps.ipv4;
import static com.secureot.pcap.testing.TestPcaps.ipv6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressRouterTest {
    private final BatchPool pool = new BatchPool(2, 1 << 16, 16);

    private AddressRouter router(String defaultPrefix, String... ipThenPrefix) {
        List<RoutingRule> rules = new ArrayList<>();
        for (int i = 0; i < ipThenPrefix.length; i += 2) {
            rules.add(new RoutingRule(IpPrefix.parse(ipThenPrefix[i]).orElseThrow(),
                    PrefixTemplate.of(ipThenPrefix[i + 1])));
        }
        return new AddressRouter(rules, PrefixTemplate.of(defaultPrefix), 1);
    }

    private String route(AddressRouter r, int linkType, byte[] frame) {
        PacketBatch b = pool.poll();
        try {
            b.add(new byte[3], 0, 3, 3, 1, 0, 0, false, 65535, null); // the frame is not at offset 0
            b.add(frame, 0, frame.length, frame.length, linkType, 0, 0, false, 65535, null);
            return r.route(b, 1).prefix();
        } finally {
            b.retainFor(1);
            b.release();
        }
    }

    private String routeEth(AddressRouter r, byte[] frame) {
        return route(r, LinkTypes.ETHERNET, frame);
    }

    @Test
    void theFirstMatchingRuleWinsBySourceOrDestination() {
        AddressRouter r = router("misc", "10.1.0.0/16", "plant", "10.1.0.2", "plc2", "192.168.1.10", "plc_main");
        assertEquals("plant", routeEth(r, TestPcaps.ipv4Frame("10.1.0.2", "8.8.8.8", 10)));
        assertEquals("plant", routeEth(r, TestPcaps.ipv4Frame("8.8.8.8", "10.1.0.2", 10)));
        assertEquals("plc_main", routeEth(r, TestPcaps.ipv4Frame("192.168.1.10", "172.16.0.1", 10)));
        assertEquals("plc_main", routeEth(r, TestPcaps.ipv4Frame("172.16.0.1", "192.168.1.10", 10)));
        assertEquals("plant", routeEth(r, TestPcaps.ipv4Frame("192.168.1.10", "10.1.200.3", 10)),
                "both match: the earlier rule wins");
        assertEquals("misc", routeEth(r, TestPcaps.ipv4Frame("192.168.1.11", "10.2.0.1", 10)));

        AddressRouter reversed = router("misc", "10.1.0.2", "plc2", "10.1.0.0/16", "plant");
        assertEquals("plc2", routeEth(reversed, TestPcaps.ipv4Frame("10.1.0.2", "10.1.0.3", 10)));
        assertEquals("plant", routeEth(reversed, TestPcaps.ipv4Frame("10.1.0.4", "10.1.0.3", 10)));
    }

    @Test
    void ipv6RulesMatchIpv6PacketsOnly() {
        AddressRouter r = router("misc", "fd00:1::/32", "ot6", "2001:db8::10", "host6", "10.0.0.0/8", "ot4");
        assertEquals("ot6", routeEth(r, TestPcaps.ipv6Frame("fd00:1:2::5", "2001:db8::99", 10)));
        assertEquals("host6", routeEth(r, TestPcaps.ipv6Frame("fe80::1", "2001:db8::10", 10)));
        assertEquals("misc", routeEth(r, TestPcaps.ipv6Frame("fd00:2::5", "2001:db8::11", 10)));
        assertEquals("ot4", routeEth(r, TestPcaps.ipv4Frame("10.9.9.9", "1.1.1.1", 10)));
        assertEquals("misc", routeEth(r, TestPcaps.ipv4Frame("11.0.0.1", "1.1.1.1", 10)));
    }

    @Test
    void cidrBoundariesAreExact() {
        IpPrefix p = IpPrefix.parse("192.168.4.0/22").orElseThrow();
        assertTrue(p.matchesV4(0xC0A80400L));
        assertTrue(p.matchesV4(0xC0A807FFL));
        assertFalse(p.matchesV4(0xC0A803FFL));
        assertFalse(p.matchesV4(0xC0A80800L));
        assertTrue(IpPrefix.parse("0.0.0.0/0").orElseThrow().matchesV4(0xFFFFFFFFL));
        IpPrefix v6 = IpPrefix.parse("fd00::/8").orElseThrow();
        assertTrue(v6.matchesV6(0xFDFFFFFFFFFFFFFFL, -1L));
        assertFalse(v6.matchesV6(0xFC00000000000000L, 0));
        IpPrefix v6long = IpPrefix.parse("2001:db8::/127").orElseThrow();
        assertTrue(v6long.matchesV6(0x20010DB800000000L, 1));
        assertFalse(v6long.matchesV6(0x20010DB800000000L, 2));
        for (String bad : new String[] {"192.168.1.300", "10.0.0.0/33", "fd00::/129", "10.0.0", "eth0", "10.0.0.1/",
            "plc.example.com", "::g", "10.0.0.01111"}) {
            assertTrue(IpPrefix.parse(bad).isEmpty(), bad);
        }
    }

    @Test
    void noFileNameStartsWithADashForAddressesThatStartWithTwoColons() {
        AddressRouter r = router("{src_ip}", "10.5.0.0/16", "x");
        assertEquals("0--1", routeEth(r, TestPcaps.ipv6Frame("::1", "fd00::1", 10)));
        assertEquals("0--0", routeEth(r, TestPcaps.ipv6Frame("::", "fd00::1", 10)));
        assertEquals("0--a-b", routeEth(r, TestPcaps.ipv6Frame("::a:b", "fd00::1", 10)));
        assertEquals("fd00--", routeEth(r, TestPcaps.ipv6Frame("fd00::", "fd00::1", 10)));
    }

    @Test
    void placeholdersRenderIpv4DottedIpv6CompressedAndNonIp() {
        AddressRouter r = router("host_{src_ip}", "10.5.0.0/16", "flow_{src_ip}_to_{dst_ip}");
        assertEquals("host_192.168.1.10", routeEth(r, TestPcaps.ipv4Frame("192.168.1.10", "172.16.0.1", 10)));
        assertEquals("host_fd00--10", routeEth(r, TestPcaps.ipv6Frame("fd00::10", "fd00::1", 10)));
        assertEquals("host_2001-db8-0-1-1-1-1-1",
                routeEth(r, TestPcaps.ipv6Frame("2001:db8:0:1:1:1:1:1", "fd00::1", 10)));
        assertEquals("host_0--1", routeEth(r, TestPcaps.ipv6Frame("::1", "::1", 10)));
        assertEquals("host_non-ip", routeEth(r, TestPcaps.arpFrame("192.168.1.10", "192.168.1.1")));
        assertEquals("host_non-ip", routeEth(r, TestPcaps.profinetFrame(0x8001)));
        assertEquals("flow_10.5.0.7_to_10.6.0.1", routeEth(r, TestPcaps.ipv4Frame("10.5.0.7", "10.6.0.1", 10)));
        assertEquals("flow_10.6.0.1_to_10.5.0.7", routeEth(r, TestPcaps.ipv4Frame("10.6.0.1", "10.5.0.7", 10)));

        AddressRouter byDst = router("to_{dst_ip}");
        assertEquals("to_172.16.0.1", routeEth(byDst, TestPcaps.ipv4Frame("192.168.1.10", "172.16.0.1", 10)));
        assertEquals("to_172.16.0.2", routeEth(byDst, TestPcaps.ipv4Frame("192.168.1.10", "172.16.0.2", 10)));
        assertEquals("to_non-ip", routeEth(byDst, TestPcaps.lldpFrame()));
    }

    @Test
    void edgeAddressesRenderAsThemselves() {
        AddressRouter r = router("{src_ip}_{dst_ip}");
        assertEquals("128.0.0.0_0.0.0.0", routeEth(r, TestPcaps.ipv4Frame("128.0.0.0", "0.0.0.0", 10)));
        assertEquals("255.255.255.255_255.255.255.255",
                routeEth(r, TestPcaps.ipv4Frame("255.255.255.255", "255.255.255.255", 10)));
        assertEquals("0.0.0.0_0.0.0.0", routeEth(r, TestPcaps.ipv4Frame("0.0.0.0", "0.0.0.0", 10)));
    }

    @Test
    void routesEveryLinkTypeAndFrameKind() {
        AddressRouter r = router("misc_{src_ip}", "10.0.0.1", "plc");
        byte[] v4 = ipv4("10.0.0.1", "10.0.0.2", new byte[8]);
        byte[] v6 = ipv6("fd00::10", "fd00::2", new byte[8]);
        byte[] sll = ByteBuffer.allocate(16).putShort((short) 0).putShort((short) 1).putShort((short) 6)
                .put(new byte[8]).putShort((short) 0x86DD).array();
        byte[] sll2 = ByteBuffer.allocate(20).putShort((short) 0x0800).put(new byte[18]).array();
        byte[] nullLe = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).array();
        byte[] nullBe = ByteBuffer.allocate(4).putInt(2).array();
        assertEquals("misc_fd00--10", route(r, LinkTypes.LINUX_SLL, concat(sll, v6)));
        assertEquals("plc", route(r, LinkTypes.LINUX_SLL2, concat(sll2, v4)));
        assertEquals("plc", route(r, LinkTypes.RAW, v4));
        assertEquals("plc", route(r, LinkTypes.DLT_RAW_12, v4));
        assertEquals("misc_fd00--10", route(r, LinkTypes.DLT_RAW_14, v6));
        assertEquals("plc", route(r, LinkTypes.NULL, concat(nullLe, v4)));
        assertEquals("plc", route(r, LinkTypes.NULL, concat(nullBe, v4)));
        assertEquals("plc", route(r, LinkTypes.LOOP, concat(nullBe, v4)));
        assertEquals("plc", routeEth(r, TestPcaps.ethernetTagged(new int[][] {{0x88A8, 1}, {0x8100, 2}}, 0x0800, v4)));
        assertEquals("plc", routeEth(r, TestPcaps.ethernet(0x0800,
                TestPcaps.ipv4WithOptions("10.0.0.9", "10.0.0.1", new byte[8], new byte[4]))));
        byte[] ihl3 = v4.clone();
        ihl3[0] = 0x43;
        assertEquals("misc_non-ip", route(r, LinkTypes.RAW, ihl3), "IHL < 5: no IP header, default prefix");
        assertEquals("misc_non-ip", routeEth(r, new byte[20]), "runt");
        assertEquals("misc_non-ip", routeEth(r, java.util.Arrays.copyOf(TestPcaps.ethernet(0x0800, v4), 30)),
                "cut-short header, even though it names a routed address family");
        assertEquals("misc_non-ip", routeEth(r, TestPcaps.lldpFrame()));
    }
}
