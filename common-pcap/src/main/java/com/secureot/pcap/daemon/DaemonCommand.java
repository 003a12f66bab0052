package com.secureot.pcap.daemon;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Runs a daemon's picocli command with the shared exit-code contract: 64 for a bad command line
 * (one line plus usage), 70 for an unexpected error (one line; the trace only at DEBUG).
 */
public final class DaemonCommand {
    private DaemonCommand() {
    }

    public static int execute(Object command, String... args) {
        keepNettyOutOfFlightRecorder();
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.usage(c.getErr());
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            PrintWriter err = line.getErr();
            err.println("internal error: " + ex);
            org.slf4j.LoggerFactory.getLogger(command.getClass()).debug("internal error", ex);
            err.flush();
            return ExitCodes.SOFTWARE;
        });
        return cl.execute(args);
    }

    /**
     * Netty 4.2 fires Flight Recorder events from its buffer allocators; with them on, the first
     * buffer a daemon allocates (in the forwarder's TLS engine, in the collector's first
     * connection) loads and reflects over JFR's event metadata, although no recording runs: CPU
     * and delay on the path of a sensor's first handshake. The daemons record nothing with JFR;
     * {@code -Dio.netty.jfr.enabled=true} on the command line still turns the events on.
     */
    private static void keepNettyOutOfFlightRecorder() {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
    }

    /** Prints each configuration error on its own line and returns 78. */
    public static int configError(com.secureot.pcap.config.ConfigException e) {
        for (String line : e.errors()) {
            System.err.println("config error: " + line);
        }
        return ExitCodes.CONFIG;
    }

    /**
     * Prints {@code message} as one {@code error:} line on stderr and returns {@code code}. Once:
     * not logged as well, since the log goes to the same stderr and the journal would show both.
     */
    public static int fail(String message, int code) {
        System.err.println("error: " + message);
        System.err.flush();
        return code;
    }

    /**
     * {@code --version}: the project version and the commit it was built from, both written into
     * the jar by the build (common-pcap's pom), and the Java running it.
     */
    public static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = BuildInfo.read();
            return new String[] {"${COMMAND-NAME} " + b.version() + (b.commit().isEmpty() ? "" : " (commit "
                    + b.commit() + ")"), "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }

    /** {@link Version} and the capture path this JVM takes ({@code capture.backend: auto}). */
    public static final class CaptureVersion extends Version {
        @Override
        public String[] getVersion() {
            String[] v = super.getVersion();
            return new String[] {v[0], v[1], "capture path: " + com.secureot.pcap.capture.LiveCaptures.pathName("auto")
                    + " (capture.backend: auto)"};
        }
    }
}
