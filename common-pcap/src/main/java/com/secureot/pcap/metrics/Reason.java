package com.secureot.pcap.metrics;

/** A reason counted by {@link ReasonCounters}: its label is what logs and metrics show. */
public interface Reason {
    String label();
}
