package com.secureot.forward;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLException;

/** What the TCP senders (PCAP-over-IP and SOT2) say of a failed connection, and how they drop one. */
final class ConnectionErrors {
    private ConnectionErrors() {
    }

    /** A connection's failure for the log: the certificate check's reason for a TLS refusal. */
    static String describe(IOException e) {
        if (e instanceof AsynchronousCloseException) {
            return "aborted";
        }
        if (e instanceof SSLException ssl) {
            return "TLS: the collector could not be verified or refused this sensor: " + TlsChannel.reason(ssl);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing a broken connection: nothing more to learn from it.
            }
        }
    }
}
