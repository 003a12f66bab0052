package com.secureot.pcap.config;

import java.nio.file.Path;

/**
 * {@code forward.tls}: mutual TLS to the collector (TCP only). The collector is verified by
 * {@code ca_file} and by its name, {@code server_name} (default {@code forward.host}); this sensor
 * presents {@code certificate_file}. No byte of a packet leaves before the collector is verified.
 */
public record ForwardTlsConfig(boolean enable, Path caFile, Path certificateFile, Path privateKeyFile,
                               String serverName, String minVersion) {

    public static final ForwardTlsConfig DISABLED = new ForwardTlsConfig(false, null, null, null, null, "1.3");

    static ForwardTlsConfig read(ConfigNode n, String host) {
        boolean enable = n.bool("enable", false);
        Path ca = path(n, "ca_file", enable);
        Path cert = path(n, "certificate_file", enable);
        Path key = path(n, "private_key_file", enable);
        String name = n.string("server_name", host);
        if (name != null && name.isBlank()) {
            n.error("server_name", "must not be empty");
        }
        String min = n.choice("min_version", "1.3", "1.3", "1.2");
        n.finish();
        return new ForwardTlsConfig(enable, ca, cert, key, name, min);
    }

    private static Path path(ConfigNode n, String key, boolean required) {
        String v = required ? n.requiredString(key) : n.string(key, null);
        return v == null || v.isBlank() ? null : Path.of(v);
    }
}
