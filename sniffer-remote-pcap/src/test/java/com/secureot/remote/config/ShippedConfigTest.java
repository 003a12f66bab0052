package com.secureot.remote.config;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.YamlDocuments;
import com.secureot.pcap.testing.DocumentedKeys;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The collector configurations the package installs and the README uses load without an error (see ShippedConfigsTest). */
class ShippedConfigTest {

    @Test
    void theCollectorExampleIsValid() throws ConfigException {
        CollectorConfig c = CollectorConfig.from(YamlDocuments.load(
                DocumentedKeys.inRepository("packaging/config/sniffer-remote-pcap.yaml")));
        assertEquals("remote_{sender_ip}", c.storage().defaultPrefix().toString());
    }

    @Test
    void theOneMachineDemoCollectorIsValid() throws ConfigException {
        // README's forwarder -> collector recipe and ./run.sh --demo forward use it as is.
        CollectorConfig c = CollectorConfig.from(YamlDocuments.load(
                DocumentedKeys.inRepository("docs/examples/sniffer-remote-pcap-demo.yaml")));
        assertEquals("remote_{sender_ip}", c.storage().defaultPrefix().toString());
    }
}
