package com.secureot.pcap.daemon;

/** The exit statuses of every daemon (sysexits.h), a documented contract with systemd and scripts. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The command line is wrong. */
    public static final int USAGE = 64;
    /** The interface cannot be opened (missing, no permission); systemd may retry later. */
    public static final int UNAVAILABLE = 69;
    /** An internal error; a bug to report. */
    public static final int SOFTWARE = 70;
    /** A replay ended with packets not stored (disk full, write error). */
    public static final int IO_ERROR = 74;
    /** A replay ended with packets not forwarded (collector unreachable, queue full). */
    public static final int NOT_FORWARDED = 75;
    /** The configuration is invalid; nothing was written. systemd must not restart. */
    public static final int CONFIG = 78;
    /** Killed by SIGTERM before the files could be closed (normally SIGTERM exits 0). */
    public static final int TERMINATED = 143;

    /** For picocli's {@code exitCodeList}, shown by {@code --help}. */
    public static final String[] HELP = {
        "0:success (SIGTERM/SIGINT: files flushed and closed)",
        "64:bad command line",
        "69:interface cannot be opened (missing, no permission)",
        "70:internal error",
        "74:replay ended with packets not stored (disk full, write error)",
        "75:replay ended with packets not forwarded",
        "78:bad configuration (nothing written)",
    };

    private ExitCodes() {
    }
}
