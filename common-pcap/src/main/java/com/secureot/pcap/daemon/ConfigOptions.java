package com.secureot.pcap.daemon;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ConfigNode;
import com.secureot.pcap.config.YamlDocuments;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;

/** The command-line options every daemon has (a picocli mixin): the configuration file and its check. */
public final class ConfigOptions {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML configuration file.")
    Path config;

    @Option(names = "--check-config", description = "Validate the configuration as a start would (every key and "
            + "value, the output folder, and what this daemon checks before it starts) and exit: 0 when valid, 78 "
            + "with one line per error otherwise, every error of the file in one run.")
    boolean checkConfig;

    public boolean checkConfig() {
        return checkConfig;
    }

    /** The YAML document, or every problem reading it as a configuration error. */
    public Map<String, Object> load() throws ConfigException {
        return YamlDocuments.load(config);
    }

    /**
     * The document as a root node collecting every error: the daemon reads its keys, adds its own
     * checks, then calls {@link ConfigNode#throwIfErrors()} once.
     */
    public ConfigNode root() throws ConfigException {
        return ConfigNode.root(load(), new ArrayList<>());
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
