package com.secureot.pcap.metrics;

/** Why a packet was not stored; the label an operator sees in logs and metrics. */
public enum DropReason implements Reason {
    /** The capture outran the writer: every batch between them was in use. */
    QUEUE_FULL("queue_full"),
    /** The file system had no space left. */
    DISK_FULL("disk_full"),
    /** Any other error creating or writing a file. */
    WRITE_ERROR("write_error"),
    /** A writer thread stopped on an internal error (a bug): its share of the traffic is counted here; exit 70. */
    INTERNAL_ERROR("internal_error");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }
}
