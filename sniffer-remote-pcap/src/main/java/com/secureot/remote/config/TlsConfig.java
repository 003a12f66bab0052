package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code tls}: mutual TLS on a TCP port. Every client presents a certificate chained to {@code
 * client_ca_file} (and named in {@code allowed_clients} when that is set); the same stream
 * formats as plaintext run inside.
 *
 * @param port the TLS port; when it is the TCP port, that port is TLS only
 * @param crlFile null when none
 * @param allowedClients names (first DNS SAN, else CN) or {@code *.suffix} patterns; empty: any the CA signed
 * @param minVersion {@code 1.3} or {@code 1.2}
 */
public record TlsConfig(boolean enable, int port, Path certificateFile, Path privateKeyFile, Path clientCaFile,
                        Path crlFile, List<String> allowedClients, String minVersion, int handshakeTimeoutSeconds) {

    public static final TlsConfig DISABLED = new TlsConfig(false, 0, null, null, null, null, List.of(), "1.3", 10);

    static TlsConfig read(ConfigNode n, int tcpPort) {
        boolean enable = n.bool("enable", false);
        int port = (int) n.integer("port", tcpPort, 1, 65535);
        if (enable && port == 0) {
            n.error("port", "is required when protocol is \"udp\" (no TCP port to take)");
        }
        Path cert = path(n, "certificate_file", enable);
        Path key = path(n, "private_key_file", enable);
        Path ca = path(n, "client_ca_file", enable);
        Path crl = path(n, "crl_file", false);
        List<String> allowed = n.strings("allowed_clients");
        for (int i = 0; i < allowed.size(); i++) {
            String a = allowed.get(i);
            if (com.secureot.pcap.route.NamePattern.problem(a) != null) {
                n.error("allowed_clients[" + i + "]", ConfigNode.quote(a)
                        + " is not a name or a \"*.suffix\" pattern (examples: \"probe-a.site1\", \"*.site2\")");
            }
        }
        String min = n.choice("min_version", "1.3", "1.3", "1.2");
        int handshake = (int) n.integer("handshake_timeout_seconds", 10, 1, 600);
        n.finish();
        return new TlsConfig(enable, enable ? port : 0, cert, key, ca, crl, List.copyOf(allowed), min, handshake);
    }

    private static Path path(ConfigNode n, String key, boolean required) {
        String v = required ? n.requiredString(key) : n.string(key, null);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** True when {@code name} is allowed: the list is empty, holds it, or holds a {@code *.suffix} it ends with. */
    public boolean allows(String name) {
        if (allowedClients.isEmpty()) {
            return true;
        }
        for (String a : allowedClients) {
            if (com.secureot.pcap.route.NamePattern.of(a).matches(name)) {
                return true;
            }
        }
        return false;
    }
}
