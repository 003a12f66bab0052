package com.secureot.pcap.daemon;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.YamlDocuments;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Map;

/** The command-line options every daemon has (a picocli mixin): the configuration file and its check. */
public final class ConfigOptions {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML configuration file.")
    Path config;

    @Option(names = "--check-config", description = "Validate the configuration (keys, values, BPF filter, "
            + "addresses, output folder) and exit: 0 when valid, 78 with one line per error otherwise.")
    boolean checkConfig;

    public boolean checkConfig() {
        return checkConfig;
    }

    /** The YAML document, or every problem reading it as a configuration error. */
    public Map<String, Object> load() throws ConfigException {
        return YamlDocuments.load(config);
    }

    /**
     * Ends {@code --check-config} once the daemon's own checks passed: checks the output folder
     * (creating nothing) and prints one line, {@code detail} appended.
     */
    public int valid(Path outputDir, String detail) throws ConfigException {
        OutputFolder.check(outputDir);
        System.out.println(config + ": configuration OK" + detail);
        return ExitCodes.OK;
    }
}
