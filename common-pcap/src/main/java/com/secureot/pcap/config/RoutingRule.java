package com.secureot.pcap.config;

import com.secureot.pcap.route.IpPrefix;
import com.secureot.pcap.route.NamePattern;
import com.secureot.pcap.route.PrefixTemplate;

/**
 * {@code routing_rules[i]}: packets go to files named {@code prefix} when they match the rule's
 * {@code network} (the span daemons: a packet's source or destination; the collector: the
 * sender's address) or, at the collector, its {@code name} (the sender's authenticated name).
 * Exactly one of {@code network} and {@code name} is set.
 */
public record RoutingRule(IpPrefix network, NamePattern name, PrefixTemplate prefix) {
    public RoutingRule {
        if ((network == null) == (name == null)) {
            throw new IllegalArgumentException("a routing rule matches a network or a name (expected: one of them)");
        }
    }

    /** A rule by address. */
    public RoutingRule(IpPrefix network, PrefixTemplate prefix) {
        this(network, null, prefix);
    }
}
