package com.secureot.forward;

import com.secureot.pcap.config.ForwardConfig;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The collector, resolved once at start: the forwarder sends to this address for its whole run,
 * so the BPF exclusion of its own traffic stays exact.
 */
record CollectorEndpoint(InetSocketAddress address, boolean tcp) {

    /** Resolves {@code forward.host}; the message of the exception names the value (the caller adds the key). */
    static CollectorEndpoint resolve(ForwardConfig cfg) throws UnknownHostException {
        InetAddress a;
        try {
            a = InetAddress.getByName(cfg.host());
        } catch (UnknownHostException e) {
            throw new UnknownHostException("\"" + cfg.host() + "\" cannot be resolved");
        }
        return new CollectorEndpoint(new InetSocketAddress(a, cfg.port()), cfg.tcp());
    }

    /** The BPF expression matching the forwarder's own traffic to (and from) the collector. */
    String bpfExclusion() {
        String host = address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = zone < 0 ? host : host.substring(0, zone);
        }
        return (tcp ? "tcp" : "udp") + " and host " + host + " and port " + address.getPort();
    }

    @Override
    public String toString() {
        return (tcp ? "tcp " : "udp ") + address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
