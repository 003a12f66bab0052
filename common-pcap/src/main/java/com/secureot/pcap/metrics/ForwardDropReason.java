package com.secureot.pcap.metrics;

/** Why a packet stored locally was not forwarded to the collector. */
public enum ForwardDropReason implements Reason {
    /** The network was slower than the capture and the forwarding queue was full. */
    QUEUE_FULL("queue_full"),
    /** No connection to the collector when the packet's turn came (or at the end of a replay). */
    NOT_CONNECTED("not_connected"),
    /** The socket refused the packet (UDP send error, TCP reset while writing it). */
    SEND_ERROR("send_error"),
    /** The packet's link type differs from the stream's (PCAP-over-IP carries one link type). */
    LINK_TYPE_MISMATCH("link_type_mismatch"),
    /** SOT2: the spool was full and the oldest unacknowledged packets made room (the local files hold them). */
    SPOOL_FULL("spool_full"),
    /** SOT2: the spool could not be written (its disk full or failing) or a spool file was damaged. */
    SPOOL_ERROR("spool_error");

    private final String label;

    ForwardDropReason(String label) {
        this.label = label;
    }

    @Override
    public String label() {
        return label;
    }
}
