package com.secureot.pcap.store;

import com.secureot.pcap.io.PcapFileWriter;

import java.nio.file.Path;

/**
 * One open pcap file of a series and hour: its writer, where its records wait, and its place in
 * the store's list of open files. The file's placement and its writer are one object
 * because storing a packet reads both, and with one file per address each object the path reads
 * is a cache miss. Once closed it is dropped (see {@link ClosedFile}): its buffer region is then
 * another file's.
 */
final class OpenFile extends PcapFileWriter {
    final OutputSeries series;
    final Path path;
    final long hourStart;
    final long hourEnd;
    final FileOpener.PendingChannel channel;
    /** Where its records wait: region {@code bufferRegion} of the store's write buffers of this tier. */
    final int bufferTier;
    final int bufferRegion;
    long lastWriteMillis;
    /** The store's packet count at its last record: orders files by recency for closing. */
    long lastWriteSequence;
    /** Full (size rotation) or damaged: never appended to again. */
    boolean sealed;
    boolean closed;
    /** Created by this process (not appended to again): removed on close when no record reached it. */
    boolean created;
    /** The acknowledged stream whose records were last appended, and their interval (see {@link AppendTracker}). */
    AppendTracker trackedBy;
    long trackedInterval;
    // The store's list of its open files, in the order they were opened.
    OpenFile newer;
    OpenFile older;

    /**
     * @param existingBytes the file's size when appending to it (a new file's global header is
     *                      written when it is created); 0 for a file that gets it from this writer
     */
    OpenFile(OutputSeries series, Path path, long hourStart, long hourEnd, int linkType, boolean nano, int snaplen,
             FileOpener.PendingChannel channel, WriteBuffers buffers, int bufferTier, int bufferRegion,
             long existingBytes) {
        super(channel, buffers.slab(bufferRegion), buffers.base(bufferRegion), buffers.regionBytes(), nano, linkType,
                snaplen, existingBytes == 0, existingBytes);
        this.series = series;
        this.path = path;
        this.hourStart = hourStart;
        this.hourEnd = hourEnd;
        this.channel = channel;
        this.bufferTier = bufferTier;
        this.bufferRegion = bufferRegion;
    }

    /** Whether a record of this second, link type, resolution and length belongs here (its header covers it). */
    boolean holds(long sec, int link, boolean nanoTs, int capLen) {
        return sec >= hourStart && sec < hourEnd && link == linkType() && nanoTs == nano()
                && (capLen <= snaplen() || snaplen() == 0);
    }
}
