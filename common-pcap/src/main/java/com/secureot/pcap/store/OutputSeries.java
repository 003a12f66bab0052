package com.secureot.pcap.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The files of one resolved prefix ({@code traffic_plc}, {@code host_10.0.0.7}): the ones open
 * now, and the ones this process closed (idle, too many open, hour over) and may append to again.
 * Owned by the store's thread.
 */
public final class OutputSeries {
    final String prefix;
    private final boolean owned;
    final List<OpenFile> open = new ArrayList<>(2);
    final List<ClosedFile> reopenable = new ArrayList<>(0);
    /** The file the last packet went to: the common case costs one comparison. */
    OpenFile current;
    /** After a failure to create a file, packets are dropped until this wall-clock time. */
    long retryAfterMillis;

    OutputSeries(String prefix, boolean owned) {
        this.prefix = prefix;
        this.owned = owned;
    }

    /** False when another store partition writes this prefix: its writer skips the packet. */
    public boolean owned() {
        return owned;
    }

    public String prefix() {
        return prefix;
    }

    boolean isEmpty() {
        return open.isEmpty() && reopenable.isEmpty();
    }
}
