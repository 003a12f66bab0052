package com.secureot.pcap.config;

import java.util.List;

/**
 * A configuration that cannot be used. Each entry of {@link #errors()} is one line naming the
 * YAML path and the offending value, ready to print as is.
 */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public ConfigException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }
}
