package com.secureot.pcap.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code kafka} block: the brokers, the topic, and the client properties passed through to
 * Apache Kafka as they are (TLS, SASL, compression...). The daemon that uses it checks the
 * property names against its client's and refuses those that would break its guarantees.
 *
 * @param bootstrapServers {@code host:port} entries, at least one
 * @param properties Kafka client properties, values as text
 */
public record KafkaClientConfig(List<String> bootstrapServers, String topic, Map<String, String> properties) {

    /**
     * Reads {@code bootstrap_servers} (a list or a comma-separated string), {@code topic} and
     * {@code properties}; the caller reads its own further keys and calls {@code finish()}.
     */
    public static KafkaClientConfig read(ConfigNode n) {
        List<String> servers = new ArrayList<>();
        if (!n.has("bootstrap_servers")) {
            n.error("bootstrap_servers", "is required (host:port of one or more brokers)");
        } else {
            if (n.value("bootstrap_servers") instanceof String s) {
                for (String part : s.split(",")) {
                    servers.add(part.trim());
                }
            } else {
                servers.addAll(n.strings("bootstrap_servers"));
            }
            for (int i = 0; i < servers.size(); i++) {
                String problem = hostPortProblem(servers.get(i));
                if (problem != null) {
                    n.error("bootstrap_servers", ConfigNode.quote(servers.get(i)) + " " + problem);
                }
            }
            if (servers.isEmpty()) {
                n.error("bootstrap_servers", "is empty (expected host:port of one or more brokers)");
            }
        }
        String topic = n.requiredString("topic");
        if (topic != null && !topic.matches("[A-Za-z0-9._-]{1,249}")) {
            n.error("topic", ConfigNode.quote(topic) + " is not a Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -)");
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : n.opaque("properties").entrySet()) {
            Object v = e.getValue();
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                props.put(e.getKey(), String.valueOf(v));
            } else {
                n.error("properties." + e.getKey(), ConfigNode.quote(v) + " is not a string, number or boolean");
            }
        }
        return new KafkaClientConfig(List.copyOf(servers), topic, Collections.unmodifiableMap(props));
    }

    private static String hostPortProblem(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return "is not host:port";
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                return "has port " + port + " out of range (expected 1..65535)";
            }
        } catch (NumberFormatException e) {
            return "has a port that is not a number";
        }
        return null;
    }
}
