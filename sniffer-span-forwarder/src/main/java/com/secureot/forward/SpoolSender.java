package com.secureot.forward;

/**
 * The thread that sends a spool's records to where they are acknowledged (a SOT2 collector, the
 * Kafka brokers) and frees what is acknowledged; {@link SpooledSink} appends in front of it.
 */
interface SpoolSender extends AutoCloseable {
    void start();

    /** Updates the sender's own gauges (any thread); the backlog's are the sink's. */
    void gauges();

    /** Waits until every record up to {@code seq} is acknowledged; false after {@code millis}. */
    boolean awaitAcked(long seq, long millis) throws InterruptedException;

    /** Stops the thread; what is not acknowledged stays in the spool. Safe to call twice. */
    @Override
    void close();
}
