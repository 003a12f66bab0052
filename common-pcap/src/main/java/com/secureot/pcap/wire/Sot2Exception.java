package com.secureot.pcap.wire;

/** A SOT2 stream that must be closed; the message names the bad value and where it was. */
public final class Sot2Exception extends Exception {
    /** What was wrong, for the receiver's rejection counters. */
    public enum Kind { BAD_HELLO, BAD_FRAME, RECORD_TOO_LARGE, BAD_RECORD, BAD_SEQUENCE }

    private final Kind kind;

    public Sot2Exception(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
