package com.secureot.pcap.config;

import com.secureot.pcap.route.IpAddresses;

import java.util.regex.Pattern;

/**
 * Checks the form of a host value without looking it up: an IPv4 or IPv6 literal, or a DNS name
 * (RFC 1123 labels). So {@code "10.0.0.500"} is reported as what it is, a mistyped address, and
 * not as a name the resolver did not find.
 */
final class HostNames {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private HostNames() {
    }

    /** True for an address literal or a well-formed name; a name may still fail to resolve. */
    static boolean valid(String host) {
        int zone = host.indexOf('%'); // fe80::1%eth1: a link-local address and its interface
        if (IpAddresses.parseLiteral(zone > 0 && host.indexOf(':') >= 0 ? host.substring(0, zone) : host) != null) {
            return true;
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > 253 || host.indexOf(':') >= 0) {
            return false;
        }
        String[] labels = name.split("\\.", -1);
        for (String l : labels) {
            if (!LABEL.matcher(l).matches()) {
                return false;
            }
        }
        // A last label of digits only is no top-level domain: the value was meant as an IPv4 address.
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
    }
}
