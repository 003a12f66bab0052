package com.secureot.pcap.store;

import java.nio.file.Path;

/**
 * A file this process wrote and closed, not full nor damaged (idle, too many open, its hour
 * over): enough to append to it again if a late packet of its hour comes, provided nobody changed
 * it since ({@code size} is what this process left in it).
 */
record ClosedFile(Path path, long hourStart, long hourEnd, int linkType, boolean nano, int snaplen, long size,
                  long closedAtMillis) {

    boolean holds(long sec, int link, boolean nanoTs, int capLen) {
        return sec >= hourStart && sec < hourEnd && link == linkType && nanoTs == nano
                && (capLen <= snaplen || snaplen == 0);
    }
}
