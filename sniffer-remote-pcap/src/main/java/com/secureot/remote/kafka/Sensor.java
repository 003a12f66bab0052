package com.secureot.remote.kafka;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One sensor id seen in the records: what a packet carries in {@code PacketBatch.origin}, its
 * name in file names ({@code {sender_name}}) and its counters. Made and read by the consumer
 * thread; the store's thread only reads its name.
 */
final class Sensor {
    final String id;
    final AtomicLong packets = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong runs = new AtomicLong();

    Sensor(String id) {
        this.id = id;
    }

    @Override
    public String toString() {
        return id;
    }
}
