package com.secureot.pcap.config;

/**
 * {@code metrics}: an optional Prometheus endpoint ({@code listen: "127.0.0.1:9108"}, off when
 * null) and the period of the INFO summary line.
 */
public record MetricsConfig(String listenHost, int listenPort, int logIntervalSeconds) {

    /** An IP literal, or a host name by RFC 1123's syntax (labels of letters, digits and inner '-'). */
    static boolean isAddressOrHostName(String host) {
        if (com.secureot.pcap.route.IpAddresses.parseLiteral(host) != null) {
            return true;
        }
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        for (String label : host.split("\\.", -1)) {
            if (!label.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
                return false;
            }
        }
        return !host.matches("[0-9.]+"); // digits and dots only but not a valid IPv4 address
    }

    public boolean endpointEnabled() {
        return listenHost != null;
    }

    public static MetricsConfig read(ConfigNode n) {
        String listen = n.string("listen", null);
        String host = null;
        int port = 0;
        if (listen != null && !listen.isBlank()) {
            int colon = listen.lastIndexOf(':');
            String p = colon < 0 ? "" : listen.substring(colon + 1);
            if (colon <= 0 || !p.matches("\\d{1,5}") || Integer.parseInt(p) > 65535) {
                n.error("listen", ConfigNode.quote(listen) + " is not host:port (example: \"127.0.0.1:9108\")");
            } else {
                host = listen.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                port = Integer.parseInt(p);
                if (!isAddressOrHostName(host)) {
                    // Binding would fail at start (exit 69): "*" is not how Java names every address.
                    n.error("listen", ConfigNode.quote(listen) + ": " + ConfigNode.quote(host)
                            + " is not an IP address or host name (every address: \"0.0.0.0:" + p
                            + "\", or \"[::]:" + p + "\" for IPv6 too)");
                    host = null;
                }
            }
        }
        int interval = (int) n.integer("log_interval_seconds", 60, 0, 86400);
        n.finish();
        return new MetricsConfig(host, port, interval);
    }
}
