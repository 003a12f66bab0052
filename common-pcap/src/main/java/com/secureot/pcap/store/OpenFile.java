package com.secureot.pcap.store;

import com.secureot.pcap.io.PcapFileWriter;

import java.nio.file.Path;

/** One pcap file of a series and hour; while open it has a channel, a buffer and a writer. */
final class OpenFile {
    final OutputSeries series;
    final Path path;
    final long hourStart;
    final long hourEnd;
    final int linkType;
    final boolean nano;
    final int snaplen;
    FileOpener.PendingChannel channel;
    /** Where its records wait: a region of the store's write buffers of this tier. */
    int bufferTier;
    int bufferRegion;
    PcapFileWriter writer;
    long lastWriteMillis;
    /** Size when last closed by this process; used to check nobody changed it before appending. */
    long closedSize;
    long closedAtMillis;
    /** Full (size rotation) or damaged: never appended to again. */
    boolean sealed;
    // Least-recently-written list of all open files of the store.
    OpenFile newer;
    OpenFile older;

    OpenFile(OutputSeries series, Path path, long hourStart, long hourEnd, int linkType, boolean nano, int snaplen) {
        this.series = series;
        this.path = path;
        this.hourStart = hourStart;
        this.hourEnd = hourEnd;
        this.linkType = linkType;
        this.nano = nano;
        this.snaplen = snaplen;
    }

    boolean holds(long sec, int link, boolean nanoTs) {
        return sec >= hourStart && sec < hourEnd && link == linkType && nanoTs == nano;
    }
}
