package com.secureot.pcap.config;

import com.secureot.pcap.route.IpPrefix;
import com.secureot.pcap.route.PrefixTemplate;

/** {@code routing_rules[i]}: packets to or from {@code network} go to files named {@code prefix}. */
public record RoutingRule(IpPrefix network, PrefixTemplate prefix) {
}
