package com.secureot.pcap.store;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneRules;

/**
 * Cuts time into the hours files are named after ({@code 20240131_14}), in a time zone: local
 * time as the earlier agents did, or UTC. Works on the packet's timestamp, never on the time of
 * writing, so a replayed capture lands in the hours it was captured in. Owned by one thread.
 */
public final class HourClock {
    private static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("yyyyMMdd_HH");
    private final ZoneRules rules;
    // Thousands of files start in the same hour: its label is formatted once.
    private long labelStart = Long.MIN_VALUE;
    private String label;

    public HourClock(ZoneId zone) {
        this.rules = zone.getRules();
    }

    /** Start (epoch seconds) of the hour that holds {@code epochSecond}. */
    public long hourStart(long epochSecond) {
        int offset = rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
        long local = epochSecond + offset;
        return Math.floorDiv(local, 3600) * 3600 - offset;
    }

    /** End (exclusive) of the hour starting at {@code start}; normally start + 3600. */
    public long hourEnd(long start) {
        long end = start + 3600;
        // Around a change of offset (DST) the next local hour may begin earlier or later.
        long next = hourStart(end);
        return next > start ? next : end;
    }

    /** {@code yyyyMMdd_HH} of the hour starting at {@code start}. */
    public String label(long start) {
        if (start != labelStart) {
            ZoneOffset offset = rules.getOffset(Instant.ofEpochSecond(start));
            label = LocalDateTime.ofEpochSecond(start, 0, offset).format(LABEL);
            labelStart = start;
        }
        return label;
    }
}
