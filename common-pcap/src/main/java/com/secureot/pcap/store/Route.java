package com.secureot.pcap.store;

/**
 * Where one packet goes, decided once by the router of the thread that filled its batch: the
 * resolved prefix and the store partition that owns it. Every writer thread sees the route of
 * every packet and stores only those of its partition, so no packet is routed twice; the owning
 * writer keeps the prefix's series here ({@link RotatingPcapStore#series(Route)}), which no
 * other thread reads or writes.
 */
public final class Route {
    final String prefix;
    private final int partition;
    /** The owning store's series of {@link #prefix}, as of {@link #generation}: its writer's only. */
    OutputSeries series;
    int generation;

    /** The route to {@code prefix} among {@code partitions} store partitions. */
    public Route(String prefix, int partitions) {
        this.prefix = prefix;
        this.partition = StorePartition.ownerOf(prefix, partitions);
    }

    public String prefix() {
        return prefix;
    }

    /** The index of the store partition that writes this prefix. */
    public int partition() {
        return partition;
    }
}
