package com.secureot.pcap.config;

import com.secureot.pcap.route.IpPrefix;
import com.secureot.pcap.route.NamePattern;
import com.secureot.pcap.route.PrefixTemplate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where packets are stored: the routing rules, the default prefix, the output folder, rotation
 * and retention. The same keys, at the top level, for every daemon.
 */
public record StorageConfig(List<RoutingRule> rules, PrefixTemplate defaultPrefix, Path outputDir,
                            RotationConfig rotation, RetentionConfig retention) {

    /** Reads the storage keys of {@code root}; {@code placeholders} are the ones this daemon renders. */
    public static StorageConfig read(ConfigNode root, Set<String> placeholders) {
        return read(root, placeholders, false);
    }

    /**
     * As {@link #read(ConfigNode, Set)}; with {@code names} (the collector) a routing rule matches
     * {@code ip} or {@code name} (a sender name or {@code *.suffix}), exactly one of them.
     */
    public static StorageConfig read(ConfigNode root, Set<String> placeholders, boolean names) {
        List<RoutingRule> rules = new ArrayList<>();
        for (ConfigNode r : root.children("routing_rules")) {
            String ip = names ? r.string("ip", null) : r.requiredString("ip");
            String name = names ? r.string("name", null) : null;
            String prefix = r.requiredString("output_prefix");
            r.finish();
            if (names && ip == null && name == null) {
                root.addError(r.path() + ": needs ip (a sender address or CIDR) or name (a sender name or "
                        + "\"*.suffix\")");
            } else if (ip != null && name != null) {
                r.error("name", "and ip are both set; a rule matches one of them (write two rules)");
                ip = null;
                name = null;
            }
            Optional<IpPrefix> net = ip == null ? Optional.empty() : IpPrefix.parse(ip);
            if (ip != null && net.isEmpty()) {
                r.error("ip", ConfigNode.quote(ip) + " is not an IP address or CIDR");
            }
            NamePattern pattern = null;
            if (name != null) {
                String problem = NamePattern.problem(name);
                if (problem != null) {
                    r.error("name", ConfigNode.quote(name) + " " + problem);
                } else {
                    pattern = NamePattern.of(name);
                }
            }
            PrefixTemplate t = template(r, "output_prefix", prefix, placeholders);
            if ((net.isPresent() || pattern != null) && t != null) {
                rules.add(new RoutingRule(net.orElse(null), pattern, t));
            }
        }
        PrefixTemplate def = template(root, "default_output_prefix",
                root.requiredString("default_output_prefix"), placeholders);
        ConfigNode dirs = root.child("output_directories");
        String out = dirs.requiredString("pcap_raw_output_path");
        dirs.finish();
        Path outputDir = null;
        if (out != null) {
            if (out.isBlank()) {
                dirs.error("pcap_raw_output_path", "must not be empty");
            } else {
                try {
                    outputDir = Path.of(out);
                } catch (RuntimeException e) {
                    dirs.error("pcap_raw_output_path", ConfigNode.quote(out) + " is not a valid path");
                }
            }
        }
        RotationConfig rotation = RotationConfig.read(root.child("rotation"));
        RetentionConfig retention = RetentionConfig.read(root.child("retention"));
        return new StorageConfig(List.copyOf(rules), def, outputDir, rotation, retention);
    }

    private static PrefixTemplate template(ConfigNode n, String key, String value, Set<String> allowed) {
        if (value == null) {
            return null;
        }
        String problem = PrefixTemplate.problem(value, allowed);
        if (problem != null) {
            n.error(key, problem);
            return null;
        }
        PrefixTemplate t = PrefixTemplate.of(value);
        int longest = t.maxRenderedBytes() + FILE_NAME_SUFFIX_BYTES;
        if (longest > MAX_FILE_NAME_BYTES) {
            // Every file of it would fail to be created (ENAMETOOLONG): every packet a write_error.
            n.error(key, ConfigNode.quote(value) + " makes file names of up to " + longest + " bytes, over the "
                    + MAX_FILE_NAME_BYTES + " the file system allows (shorten it by "
                    + (longest - MAX_FILE_NAME_BYTES) + (t.isConstant() ? "" : "; an address renders to up to 39")
                    + ")");
            return null;
        }
        return t;
    }

    /** NAME_MAX of Linux file systems (ext4, XFS, btrfs, tmpfs): bytes of one file name. */
    static final int MAX_FILE_NAME_BYTES = 255;
    /**
     * What the store adds to a prefix: {@code _20240131_13-99999.pcap}, and {@code .damaged}
     * when a damaged file is moved aside at start.
     */
    static final int FILE_NAME_SUFFIX_BYTES = "_20240131_13-99999.pcap.damaged".length();
}
