package com.secureot.pcap.config;

/**
 * {@code retention}: closed files are deleted, oldest first, while the folder holds more than
 * {@code maxTotalBytes} or when older than {@code maxAgeSeconds}. Zero turns a limit off.
 */
public record RetentionConfig(long maxTotalBytes, long maxAgeSeconds, int checkIntervalSeconds) {

    public boolean enabled() {
        return maxTotalBytes > 0 || maxAgeSeconds > 0;
    }

    static RetentionConfig read(ConfigNode n) {
        double gb = n.number("max_total_size_gb", 0, 0, 1e6);
        long hours = n.integer("max_age_hours", 0, 0, 24L * 365 * 100);
        int every = (int) n.integer("check_interval_seconds", 60, 1, 86400);
        n.finish();
        return new RetentionConfig((long) (gb * (1L << 30)), hours * 3600, every);
    }
}
