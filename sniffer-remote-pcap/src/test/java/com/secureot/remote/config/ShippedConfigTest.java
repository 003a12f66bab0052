package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.YamlDocuments;
import com.secureot.pcap.testing.DocumentedKeys;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The collector configuration the package installs loads without an error (see ShippedConfigsTest). */
class ShippedConfigTest {

    @Test
    void theCollectorExampleIsValid() throws ConfigException {
        CollectorConfig c = CollectorConfig.from(YamlDocuments.load(
                DocumentedKeys.inRepository("packaging/config/sniffer-remote-pcap.yaml")));
        assertEquals("remote_{sender_ip}", c.storage().defaultPrefix().toString());
    }
}
