package com.secureot.pcap.io;

import java.io.IOException;

/** A file or stream that is not valid pcap/pcapng; the message names the file and the byte. */
public final class CaptureFormatException extends IOException {
    public CaptureFormatException(String message) {
        super(message);
    }
}
