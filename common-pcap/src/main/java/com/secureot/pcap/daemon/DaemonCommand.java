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

    /** Prints each configuration error on its own line and returns 78. */
    public static int configError(com.secureot.pcap.config.ConfigException e) {
        for (String line : e.errors()) {
            System.err.println("config error: " + line);
        }
        return ExitCodes.CONFIG;
    }

    /** Logs {@code message}, prints it as one line on stderr (seen even before logging starts) and returns {@code code}. */
    public static int fail(String message, int code) {
        org.slf4j.LoggerFactory.getLogger(DaemonCommand.class).error("{}", message);
        System.err.println("error: " + message);
        return code;
    }

    /** Reads the version from the jar manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = DaemonCommand.class.getPackage().getImplementationVersion();
            return new String[] {"${COMMAND-NAME} " + (v == null ? "(development build)" : v)};
        }
    }
}
