package com.secureot.pcap.config;

import com.secureot.pcap.testing.DocumentedKeys;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The example configurations the package installs and the docs show load without an error, so a
 * key renamed in the code cannot leave them behind (PackagingIT checks them too, but only as root
 * with a built package).
 */
class ShippedConfigsTest {

    @Test
    void theSpanPcapExamplesAreValid() throws ConfigException {
        for (String path : new String[] {"packaging/config/sniffer-span-pcap.yaml",
                "docs/examples/sniffer-span-pcap-demo.yaml"}) {
            SpanConfig c = SpanConfig.from(YamlDocuments.load(DocumentedKeys.inRepository(path)), false);
            assertEquals(false, c.forward().enable(), path + ": no forwarding");
        }
    }

    @Test
    void theForwarderExamplesAreValidAndForward() throws ConfigException {
        for (String path : new String[] {"packaging/config/sniffer-span-forwarder.yaml",
                "docs/examples/sniffer-span-forwarder-demo.yaml"}) {
            SpanConfig c = SpanConfig.from(YamlDocuments.load(DocumentedKeys.inRepository(path)), true);
            assertEquals(true, c.forward().enable(), path);
        }
    }
}
