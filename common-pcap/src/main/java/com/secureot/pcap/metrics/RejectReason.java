package com.secureot.pcap.metrics;

/** Why a connection, stream or datagram was refused; the label an operator sees in logs. */
public enum RejectReason implements Reason {
    NOT_ALLOWED("not_allowed"),
    TOO_MANY_CONNECTIONS("too_many_connections"),
    /** limits.max_connections_per_address reached for the connection's source address. */
    TOO_MANY_FROM_ADDRESS("too_many_from_address"),
    /** Closed to make room at the global cap: it had not yet shown a valid stream start. */
    EVICTED("evicted"),
    /** Nothing received within limits.first_bytes_timeout_seconds of the accept (or the TLS handshake). */
    FIRST_BYTES_TIMEOUT("first_bytes_timeout"),
    /** A record (or header) begun but not complete within limits.progress_timeout_seconds: trickling. */
    SLOW_PROGRESS("slow_progress"),
    /** Plaintext TCP while require_authentication is true. */
    NOT_AUTHENTICATED("not_authenticated"),
    // TLS port: the handshake or the client's certificate.
    NO_CERTIFICATE("no_certificate"),
    UNKNOWN_CA("unknown_ca"),
    EXPIRED("expired"),
    REVOKED("revoked"),
    /** Not usable for TLS client authentication (key usage, extended key usage). */
    BAD_CERTIFICATE("bad_certificate"),
    NAME_NOT_ALLOWED("name_not_allowed"),
    PLAINTEXT_ON_TLS_PORT("plaintext_on_tls_port"),
    HANDSHAKE_TIMEOUT("handshake_timeout"),
    /** Any other handshake failure (no common protocol version or cipher suite...). */
    TLS_FAILED("tls_failed"),
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
