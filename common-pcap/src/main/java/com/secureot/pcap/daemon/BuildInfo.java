package com.secureot.pcap.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and commit the build wrote into {@code build.properties} (common-pcap's pom:
 * the Maven project version, and {@code git describe} of the checkout, empty outside one).
 */
record BuildInfo(String version, String commit) {
    static BuildInfo read() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Unreadable: reported as unknown below.
        }
        return new BuildInfo(p.getProperty("version", "(version unknown: built without build.properties)"),
                p.getProperty("commit", "").strip());
    }
}
