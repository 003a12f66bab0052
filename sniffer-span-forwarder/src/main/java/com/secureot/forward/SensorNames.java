package com.secureot.forward;

import com.secureot.pcap.wire.Sot2;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The default {@code forward.sensor_id}: the host name, made fit for the SOT2 hello. */
final class SensorNames {
    private SensorNames() {
    }

    static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = Files.readString(Path.of("/etc/hostname")).trim();
            } catch (IOException e) {
                h = null;
            }
        }
        if (h == null || h.isBlank()) {
            try {
                // The last resort: may ask the resolver, which the two above avoid.
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "sensor";
            }
        }
        return fit(h);
    }

    /** Replaces what a sensor id may not hold with '-', and cuts it to the limit. */
    static String fit(String name) {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            sb.append(c < 128 && (Character.isLetterOrDigit(c) || ".-_:@".indexOf(c) >= 0) ? c : '-');
        }
        String s = sb.length() > Sot2.MAX_SENSOR_ID_BYTES ? sb.substring(0, Sot2.MAX_SENSOR_ID_BYTES) : sb.toString();
        return Sot2.validSensorId(s) ? s : "sensor";
    }
}
