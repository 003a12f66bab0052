package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.config.KafkaClientConfig;

/**
 * {@code kafka}: the collector as a member of a Kafka consumer group ({@code protocol: kafka}).
 *
 * @param groupId the consumer group; the collectors of one group split the topic's partitions
 * @param commitIntervalMillis how often the records consumed are written to the files and their
 *                             offsets committed: the most a {@code kill -9} can make the group re-read
 */
public record KafkaIngestConfig(KafkaClientConfig client, String groupId, int commitIntervalMillis) {

    static KafkaIngestConfig read(ConfigNode n) {
        KafkaClientConfig client = KafkaClientConfig.read(n);
        String group = n.requiredString("group_id");
        if (group != null && group.isBlank()) {
            n.error("group_id", "must not be empty");
        }
        int commit = (int) n.integer("commit_interval_ms", 5000, 100, 600_000);
        n.finish();
        return new KafkaIngestConfig(client, group, commit);
    }
}
