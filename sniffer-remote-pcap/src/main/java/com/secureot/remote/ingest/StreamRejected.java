package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;

/**
 * A TCP stream that must be closed: bad input, a limit reached, silence. The message is the one
 * log line an operator sees (the sender is added by the caller); there is never a stack trace.
 */
final class StreamRejected extends Exception {
    final RejectReason reason;

    StreamRejected(RejectReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }
}
