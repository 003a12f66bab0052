package com.secureot.pcap.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Reads a YAML configuration file into plain maps, turning every failure into one line. */
public final class YamlDocuments {
    private static final int MAX_BYTES = 4 << 20;

    private YamlDocuments() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> load(Path file) throws ConfigException {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB, not a configuration file");
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Object doc;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            doc = yaml.load(r);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? "" : " line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw new ConfigException(file + where + ": YAML syntax error: " + what.replace('\n', ' '));
        } catch (YAMLException e) {
            throw new ConfigException(file + ": YAML error: " + String.valueOf(e.getMessage()).replace('\n', ' '));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (doc == null) {
            throw new ConfigException(file + ": the configuration is empty");
        }
        if (!(doc instanceof Map<?, ?>)) {
            throw new ConfigException(file + ": the configuration must be a mapping of keys, not a " +
                    (doc instanceof java.util.List ? "list" : "single value"));
        }
        return (Map<String, Object>) doc;
    }
}
