package com.secureot.remote.ingest;

/** Where a decoder puts each complete packet: the connection's publisher, or a test's list. */
interface RecordSink {
    void record(byte[] data, int off, int capLen, int origLen, int linkType, long sec, int nanos, boolean nano,
                int snaplen) throws InterruptedException;
}
