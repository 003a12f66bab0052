package com.secureot.pcap.capture;

/** The interface cannot be opened (missing, no permission): systemd may retry later (exit 69). */
public final class CaptureOpenException extends Exception {
    public CaptureOpenException(String message) {
        super(message);
    }
}
