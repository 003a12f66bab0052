package com.secureot.pcap.metrics;

/** Why a connection, stream or datagram was refused; the label an operator sees in logs. */
public enum RejectReason implements Reason {
    NOT_ALLOWED("not_allowed"),
    TOO_MANY_CONNECTIONS("too_many_connections"),
    EMPTY("empty"),
    NOT_PCAP("not_pcap"),
    BAD_HEADER("bad_header"),
    TRUNCATED_HEADER("truncated_header"),
    RECORD_TOO_LARGE("record_too_large"),
    BAD_RECORD("bad_record"),
    TRUNCATED_RECORD("truncated_record"),
    FRAME_TOO_LARGE("frame_too_large"),
    IDLE_TIMEOUT("idle_timeout"),
    BAD_DATAGRAM("bad_datagram"),
    /** An authenticated SOT1 datagram whose key id is unknown or whose tag does not verify. */
    BAD_AUTH("bad_auth"),
    /** An authenticated SOT1 datagram received already, older than the window, or of a past run. */
    REPLAYED("replayed"),
    /** Not authenticated (raw frame, plain SOT1) under require_authentication. */
    UNAUTHENTICATED("unauthenticated"),
    READ_ERROR("read_error"),
    SHUTDOWN("shutdown");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }
}
