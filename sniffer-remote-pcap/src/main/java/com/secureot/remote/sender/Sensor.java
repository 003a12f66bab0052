package com.secureot.remote.sender;

import com.secureot.pcap.wire.Sot1Key;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A sensor known by its SOT1 key: the key, its replay window (owned by the UDP receiving thread)
 * and its counters (read by the summary). Sequence state of authenticated datagrams is kept per
 * key, not per source address: an address is what a spoofer chooses.
 */
public final class Sensor {
    private final Sot1Key key;
    final ReplayWindow window = new ReplayWindow();

    public final AtomicLong packets = new AtomicLong();
    public final AtomicLong sot1Gaps = new AtomicLong();
    public final AtomicLong sot1Restarts = new AtomicLong();
    public final AtomicLong replayed = new AtomicLong();

    // What the previous periodic line reported; only the (synchronized) report reads and writes them.
    public long reportedPackets = -1;
    public long reportedReplayed = -1;

    Sensor(Sot1Key key) {
        this.key = key;
    }

    public Sot1Key key() {
        return key;
    }

    /** The receiving thread's window of this sensor. */
    public ReplayWindow window() {
        return window;
    }

    public String name() {
        return key.name();
    }

    @Override
    public String toString() {
        return key.name() + " (key " + key.id() + ")";
    }
}
