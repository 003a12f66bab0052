package com.secureot.pcap.capture;

/** libpcap refused the BPF filter; the message keeps libpcap's own words. */
public final class CaptureFilterException extends Exception {
    public CaptureFilterException(String message) {
        super(message);
    }
}
