package com.secureot.pcap.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The configuration reference in {@code docs/}: which key paths it names. A key is documented when
 * its full path appears in backticks in one of the three references, list items written as the
 * docs write them: {@code `routing_rules[i].ip`}.
 */
public final class DocumentedKeys {
    static final List<String> REFERENCES =
            List.of("configuration.md", "configuration-forwarder.md", "configuration-collector.md");

    /** The blocks every daemon shares (rotation, retention, metrics), every key set: a full file ends with them. */
    public static final String SHARED_BLOCKS = """
            rotation:
              timezone: UTC
              max_file_size_mb: 100
              max_open_files: 1024
              idle_close_seconds: 300
              flush_interval_ms: 1000
              writer_threads: 2
            retention:
              max_total_size_gb: 500
              max_age_hours: 720
              check_interval_seconds: 60
            metrics:
              listen: "127.0.0.1:9108"
              log_interval_seconds: 60
            """;

    private DocumentedKeys() {
    }

    /** The paths (as {@code ConfigNode.askedPaths()} gives them) that no reference names. */
    public static List<String> undocumented(Collection<String> askedPaths) throws IOException {
        StringBuilder docs = new StringBuilder();
        Path dir = docsFolder();
        for (String name : REFERENCES) {
            docs.append(Files.readString(dir.resolve(name))).append('\n');
        }
        List<String> missing = new ArrayList<>();
        for (String path : askedPaths) {
            if (docs.indexOf("`" + path.replace("[]", "[i]") + "`") < 0) {
                missing.add(path);
            }
        }
        return missing;
    }

    /** A file of the repository by its path from the top, e.g. {@code packaging/config/x.yaml}. */
    public static Path inRepository(String path) {
        return docsFolder().getParent().resolve(path);
    }

    /** {@code docs/} of the repository: tests run in a module folder, one level below it. */
    static Path docsFolder() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs").resolve(REFERENCES.get(0)))) {
                return p.resolve("docs");
            }
        }
        throw new IllegalStateException("no docs/" + REFERENCES.get(0) + " above " + Path.of("").toAbsolutePath());
    }
}
