package com.secureot.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the built .deb and .tar.gz the way an operator's host would see them: the package
 * metadata, the installed tree, the systemd units (systemd-analyze verify and security), and
 * the daemons started from the installed tree as an unprivileged user.
 */
class PackagingIT {

    private static final List<String> DAEMONS =
            List.of("sniffer-span-pcap", "sniffer-span-forwarder", "sniffer-remote-pcap");
    private static final Set<String> CAPTURE_DAEMONS = Set.of("sniffer-span-pcap", "sniffer-span-forwarder");
    private static final Duration DAEMON_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path work;

    /** The .deb's data, extracted with dpkg-deb -x: the tree an install would lay down. */
    private static Path root;
    private static Path deb;

    @BeforeAll
    static void extractDeb() throws Exception {
        deb = Path.of(System.getProperty("packaging.deb", "target/missing.deb"));
        assertTrue(Files.isRegularFile(deb), "the build made no .deb at " + deb);
        // The daemons run as another user below and must be able to walk into the tree.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        root = Files.createDirectory(work.resolve("root"));
        run(List.of("dpkg-deb", "-x", deb.toString(), root.toString())).assertExit(0);
    }

    @Test
    void debDependsOnAJava17RuntimeAndOnLibpcap() throws Exception {
        String depends = run(List.of("dpkg-deb", "-f", deb.toString(), "Depends")).assertExit(0).out.strip();
        System.out.println("Depends: " + depends);
        assertTrue(depends.matches(".*\\blibpcap0\\.8\\b.*"), "Depends lacks libpcap0.8: " + depends);
        assertTrue(depends.contains("default-jre-headless (>= 2:1.17)"), "Depends lacks a Java runtime: " + depends);
        assertTrue(depends.contains("java17-runtime-headless"), "Depends lacks the java17-runtime-headless alternative: " + depends);
        assertEquals("all", run(List.of("dpkg-deb", "-f", deb.toString(), "Architecture")).out.strip());
    }

    @Test
    void debInstallsLaunchersJarsConfigsAndUnitsForEachDaemon() throws Exception {
        String contents = run(List.of("dpkg-deb", "-c", deb.toString())).assertExit(0).out;
        for (String d : DAEMONS) {
            for (String path : List.of("./usr/bin/" + d, "./usr/share/secureot/" + d + ".jar",
                    "./etc/secureot/" + d + ".yaml", "./lib/systemd/system/" + d + ".service")) {
                assertTrue(contents.contains(" " + path + "\n"), "the .deb does not hold " + path + ":\n" + contents);
            }
            assertTrue(Files.isExecutable(root.resolve("usr/bin/" + d)), d + " launcher is not executable");
        }
        assertFalse(contents.contains("/var/lib/secureot-agent"), "the data folder must be made by postinst, not shipped");
        // What the docs link to ships with them: the README and the dashboard metrics.md offers.
        for (String doc : List.of("README.md", "metrics.md", "deployment.md", "grafana-dashboard.json")) {
            assertTrue(contents.contains(" ./usr/share/doc/secureot-sniffers/" + doc + "\n"), "the .deb lacks " + doc);
        }
    }

    @Test
    void debMarksTheExampleConfigsAsConffiles() throws Exception {
        Path control = Files.createDirectories(work.resolve("control"));
        run(List.of("dpkg-deb", "-e", deb.toString(), control.toString())).assertExit(0);
        List<String> conffiles = Files.readAllLines(control.resolve("conffiles"));
        for (String d : DAEMONS) {
            assertTrue(conffiles.contains("/etc/secureot/" + d + ".yaml"), "not a conffile: " + d + ".yaml in " + conffiles);
        }
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertTrue(Files.isExecutable(control.resolve(script)), script + " missing or not executable");
            run(List.of("sh", "-n", control.resolve(script).toString())).assertExit(0);
        }
    }

    @Test
    void tarballInstallsTheSameTreeAsTheDeb() throws Exception {
        Path tarball = Path.of(System.getProperty("packaging.tarball", "target/missing.tar.gz"));
        assertTrue(Files.isRegularFile(tarball), "the build made no .tar.gz at " + tarball);
        Path unpacked = Files.createDirectories(work.resolve("tarball"));
        run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString())).assertExit(0);
        Path top;
        try (Stream<Path> s = Files.list(unpacked)) {
            top = s.findFirst().orElseThrow();
        }
        Path staged = work.resolve("staged");
        // DESTDIR stages the files without touching users or systemd.
        Result r = run(List.of("env", "DESTDIR=" + staged, "sh", top.resolve("install.sh").toString()));
        r.assertExit(0);
        assertEquals(filesUnder(root, "usr/bin", "usr/share/secureot", "etc/secureot", "lib/systemd/system"),
                filesUnder(staged, "usr/bin", "usr/share/secureot", "etc/secureot", "lib/systemd/system"));
        for (String doc : List.of("README.md", "metrics.md", "grafana-dashboard.json")) {
            assertTrue(Files.isRegularFile(staged.resolve("usr/share/doc/secureot-sniffers/" + doc)), "the tarball lacks " + doc);
        }
    }

    @Test
    void purgeRemovesTheCachesAndKeepsTheData() throws Exception {
        Path control = Files.createDirectories(work.resolve("control-purge"));
        run(List.of("dpkg-deb", "-e", deb.toString(), control.toString())).assertExit(0);
        // The script as shipped, pointed at a scratch data folder instead of /var/lib/secureot-agent.
        Path data = Files.createDirectories(work.resolve("purge-data"));
        String script = Files.readString(control.resolve("postrm"));
        assertTrue(script.contains("DATA_DIR=/var/lib/secureot-agent\n"), "postrm names its data folder once:\n" + script);
        Path postrm = Files.writeString(work.resolve("postrm-scratch"),
                script.replace("DATA_DIR=/var/lib/secureot-agent\n", "DATA_DIR=" + data + "\n"));
        Path capture = Files.createDirectories(data.resolve("pcap_raw")).resolve("plc_20261201_10.pcap");
        Files.write(capture, new byte[] {1, 2, 3});
        Files.write(Files.createDirectories(data.resolve("aot")).resolve("sniffer-span-pcap-1-java17.0.15.jsa"), new byte[10]);
        Files.write(Files.createDirectories(data.resolve(".cache/JNA/temp")).resolve("jna123.tmp"), new byte[10]);
        run(List.of("sh", postrm.toString(), "remove")).assertExit(0);
        assertTrue(Files.exists(data.resolve("aot")), "remove keeps the caches (an upgrade or reinstall reuses them)");
        run(List.of("sh", postrm.toString(), "purge")).assertExit(0);
        assertFalse(Files.exists(data.resolve("aot")), "purge leaves the start-up caches");
        assertFalse(Files.exists(data.resolve(".cache")), "purge leaves JNA's cache");
        assertTrue(Files.isRegularFile(capture), "purge deleted captured data");
    }

    @Test
    void launcherRunsItsOwnJarWithAHeapCapLibpcapPathAndJavaOptsLast() throws Exception {
        // A stand-in java that prints the command line it was given.
        Path javaHome = Files.createDirectories(work.resolve("fake-jdk/bin")).getParent();
        Path fakeJava = Files.writeString(javaHome.resolve("bin/java"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean libpcapInstalled = run(List.of("sh", "-c", "ls /usr/lib/*/libpcap.so* /lib/*/libpcap.so*")).out.contains("libpcap.so");
        for (String d : DAEMONS) {
            Result r = run(List.of("env", "JAVA_HOME=" + javaHome, "JAVA_OPTS=-Xmx64m -Dx=y",
                    root.resolve("usr/bin/" + d).toString(), "--check-config", "/etc/secureot/" + d + ".yaml")).assertExit(0);
            List<String> args = r.out.lines().toList();
            int heap = args.indexOf("-XX:MaxRAMPercentage=25.0");
            int opts = args.indexOf("-Xmx64m");
            int jar = args.indexOf("-jar");
            assertTrue(heap >= 0 && heap < opts && opts < jar, d + ": defaults, then JAVA_OPTS, then -jar:\n" + r.out);
            assertEquals(List.of("-jar", root.resolve("usr/share/secureot/" + d + ".jar").toString(), "--check-config",
                    "/etc/secureot/" + d + ".yaml"), args.subList(jar, args.size()), d + ": jar and arguments");
            if (libpcapInstalled) {
                assertTrue(args.stream().anyMatch(a -> a.matches("-Dorg\\.pcap4j\\.core\\.pcapLibName=/.*libpcap\\.so.*")),
                        d + ": no absolute libpcap path passed:\n" + r.out);
            }
        }
        Result chosen = run(List.of("env", "JAVA_HOME=" + javaHome, "PCAP_LIB=/opt/libpcap.so.1",
                root.resolve("usr/bin/sniffer-span-pcap").toString(), "x.yaml")).assertExit(0);
        assertTrue(chosen.out.lines().anyMatch("-Dorg.pcap4j.core.pcapLibName=/opt/libpcap.so.1"::equals), chosen.out);
    }

    @Test
    void theLauncherNamesNoMethodOfTheDaemonsInJitDirectives() throws Exception {
        // A CompileCommand naming a project method is lost silently by a rename; cold paths are kept
        // cold by the code's shape instead (issue 15).
        String launcher = Files.readString(root.resolve("usr/bin/sniffer-span-pcap"));
        assertFalse(launcher.contains("CompileCommand"), "the launcher carries JIT directives:\n" + launcher);
        assertFalse(launcher.contains("com.secureot."), "the launcher names project classes:\n" + launcher);
    }


    /** The JDKs to run the launcher with: the default one (Java 17 here) and a Java 25 when present. */
    static List<String> jdks() {
        List<String> out = new java.util.ArrayList<>(List.of("default"));
        if (Files.isRegularFile(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/release"))) {
            out.add("/usr/lib/jvm/temurin-25-jdk-amd64");
        }
        return out;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("jdks")
    void theLauncherRecordsAStartUpCacheOnceAndThenStartsFromIt(String jdk) throws Exception {
        assumeDaemonsCanRun();
        Path aot = dataDir("aot-" + jdk.hashCode()).resolve("aot"); // as postinst makes /var/lib/secureot-agent
        Path capture = samplePcap();
        Path yaml = cacheTestConfig();
        List<String> cmd = asServiceUser(aot, jdk);
        cmd.addAll(List.of(root.resolve("usr/bin/sniffer-span-pcap").toString(), "-r", capture.toString(),
                yaml.toString()));
        Result first = run(cmd).assertExit(0); // records
        List<Path> caches;
        try (var files = Files.list(aot)) {
            caches = files.filter(f -> f.toString().matches(".*\\.(aot|jsa)")).toList();
        }
        assertEquals(1, caches.size(), "one cache, named by jar and Java version: " + caches + "\n" + first.out);
        assertTrue(caches.get(0).getFileName().toString().matches("sniffer-span-pcap-\\d+-java[0-9.]+\\.(aot|jsa)"),
                caches.get(0).toString());
        long recorded = Files.getLastModifiedTime(caches.get(0)).toMillis();
        Result second = run(cmd).assertExit(0); // starts from it
        assertEquals(recorded, Files.getLastModifiedTime(caches.get(0)).toMillis(), "the cache is not recorded again");
        assertFalse(second.out.contains("AOTCache creation"), second.out);
        assertFalse(second.out.contains("[warning]"), "the cache stays quiet:\n" + second.out);
    }

    @Test
    void aRunAsRootOrAFailedRunRecordsNoStartUpCache() throws Exception {
        assumeDaemonsCanRun();
        Path aot = dataDir("aot-refused").resolve("aot");
        String launcher = root.resolve("usr/bin/sniffer-span-pcap").toString();
        // Root: the replay works, but no folder and no cache the service user could not replace.
        run(List.of("env", "SECUREOT_AOT_DIR=" + aot, launcher, "-r", samplePcap().toString(),
                cacheTestConfig().toString())).assertExit(0);
        assertFalse(Files.exists(aot), "a root run created " + aot);
        // The service user, with a usage error and with a missing interface: nothing kept either.
        List<String> usage = asServiceUser(aot, "default");
        usage.addAll(List.of(launcher, "--no-such-option", cacheTestConfig().toString()));
        run(usage).assertExit(64);
        List<String> live = asServiceUser(aot, "default");
        live.addAll(List.of(launcher, cacheTestConfig().toString()));
        run(live).assertExit(69);
        try (Stream<Path> files = Files.exists(aot) ? Files.list(aot) : Stream.empty()) {
            assertEquals(List.of(), files.toList(), "a failed run left a cache");
        }
    }

    /** The command prefix running a launcher as the service user, with the cache in {@code aot}. */
    private static List<String> asServiceUser(Path aot, String jdk) throws Exception {
        int[] user = serviceUser();
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + user[0], "--regid=" + user[1],
                "--clear-groups", "--", "env", "SECUREOT_AOT_DIR=" + aot, "HOME=" + work));
        if (!jdk.equals("default")) {
            cmd.add("JAVA_HOME=" + jdk);
        }
        return cmd;
    }

    /** A replay configuration writing into a folder the service user owns. */
    private static Path cacheTestConfig() throws Exception {
        Path yaml = work.resolve("aot.yaml");
        if (!Files.exists(yaml)) {
            String config = "capture:\n  interface: no-such-nic0\ndefault_output_prefix: \"h_{src_ip}\"\n"
                    + "output_directories:\n  pcap_raw_output_path: \"" + dataDir("aot-out") + "\"\n";
            Files.writeString(yaml, config);
            Files.setPosixFilePermissions(yaml, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return yaml;
    }

    @Test
    void unitsRunAsAnUnprivilegedUserAndStopRestartingOnABadConfig() throws Exception {
        for (String d : DAEMONS) {
            Map<String, String> unit = unitSettings(d);
            String user = unit.getOrDefault("User", "");
            assertFalse(user.isEmpty() || user.equals("root") || user.equals("0"), d + ": User=" + user);
            assertTrue(words(unit.get("RestartPreventExitStatus")).contains("78"), d + ": RestartPreventExitStatus lacks 78");
            assertEquals("always", unit.get("Restart"), d + ": Restart");
            assertTrue(words(unit.get("SuccessExitStatus")).contains("143"), d + ": SuccessExitStatus lacks 143");
            assertTrue(unit.getOrDefault("ExecStartPre", "").contains("--check-config"), d + ": no --check-config pre-check");
            // The JIT writes code into memory it then executes.
            assertFalse("yes".equals(unit.get("MemoryDenyWriteExecute")), d + ": MemoryDenyWriteExecute breaks the JVM");
            assertEquals("yes", unit.get("NoNewPrivileges"), d + ": NoNewPrivileges");
            assertEquals("strict", unit.get("ProtectSystem"), d + ": ProtectSystem");
        }
    }

    @Test
    void onlyTheCaptureUnitsHoldCapabilitiesAndOnlyNetRawAndNetAdmin() throws Exception {
        Set<String> capture = Set.of("CAP_NET_RAW", "CAP_NET_ADMIN");
        for (String d : DAEMONS) {
            Map<String, String> unit = unitSettings(d);
            Set<String> expected = CAPTURE_DAEMONS.contains(d) ? capture : Set.of();
            assertEquals(expected, words(unit.get("AmbientCapabilities")), d + ": AmbientCapabilities");
            assertEquals(expected, words(unit.get("CapabilityBoundingSet")), d + ": CapabilityBoundingSet");
            assertEquals(CAPTURE_DAEMONS.contains(d), words(unit.get("RestrictAddressFamilies")).contains("AF_PACKET"),
                    d + ": AF_PACKET allowed only for capture");
        }
    }

    @Test
    void unitsPassSystemdAnalyzeVerify() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        // verify --root resolves the units' dependencies (sysinit.target, ...) inside the root:
        // give it the host's own units beside ours.
        Path verifyRoot = work.resolve("verify-root");
        run(List.of("cp", "-a", root.toString() + "/.", verifyRoot.toString())).assertExit(0);
        Path hostUnits = Path.of("/lib/systemd/system");
        assumeTrue(Files.isDirectory(hostUnits), "no systemd units on this host to resolve dependencies against");
        try (Stream<Path> s = Files.list(hostUnits)) {
            for (Path unit : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                Path target = verifyRoot.resolve("lib/systemd/system").resolve(unit.getFileName().toString());
                if (!Files.exists(target)) {
                    Files.copy(unit, target);
                }
            }
        }
        for (String d : DAEMONS) {
            Result r = run(List.of("systemd-analyze", "verify", "--man=no", "--root=" + verifyRoot,
                    verifyRoot.resolve("lib/systemd/system/" + d + ".service").toString()));
            System.out.println("systemd-analyze verify " + d + ".service: exit " + r.exit + r.out);
            r.assertExit(0);
            // Unknown keys and bad values are only warnings, with exit 0: fail on them too.
            assertFalse(r.out.contains(d + ".service"), "systemd-analyze verify complains about " + d + ":\n" + r.out);
        }
    }

    @Test
    void unitsScoreAtMost2point5InSystemdAnalyzeSecurity() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        double max = Double.parseDouble(System.getProperty("packaging.maxExposure", "2.5"));
        Map<String, Double> scores = new LinkedHashMap<>();
        for (String d : DAEMONS) {
            Result r = run(List.of("systemd-analyze", "security", "--offline=yes", "--no-pager",
                    root.resolve("lib/systemd/system/" + d + ".service").toString()));
            Matcher m = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)").matcher(r.out);
            if (!m.find()) {
                fail("no exposure level in systemd-analyze security output for " + d + ":\n" + r.out);
            }
            scores.put(d, Double.parseDouble(m.group(1)));
        }
        System.out.println("systemd-analyze security --offline=yes exposure: " + scores);
        scores.forEach((d, score) -> assertTrue(score <= max, d + ".service exposure " + score + " > " + max));
    }

    @Test
    void daemonsAcceptTheShippedExampleConfigs() throws Exception {
        assumeDaemonsCanRun();
        Path data = dataDir("check");
        int port = freePort();
        for (String d : DAEMONS) {
            Path config = localConfig(d, data.resolve(d), port);
            daemon(d, "--check-config", config.toString()).waitFor(DAEMON_TIMEOUT).assertExit(0);
        }
    }

    @Test
    void daemonsRejectABadConfigWithExit78() throws Exception {
        assumeDaemonsCanRun();
        Path bad = Files.writeString(work.resolve("bad.yaml"), "capture:\n  interfaec: \"lo\"\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-r--r--"));
        for (String d : DAEMONS) {
            daemon(d, "--check-config", bad.toString()).waitFor(DAEMON_TIMEOUT).assertExit(78);
        }
    }

    @Test
    void spanDaemonReplaysAPcapIntoItsDataFolderAsAnUnprivilegedUser() throws Exception {
        assumeDaemonsCanRun();
        Path data = dataDir("span");
        Path config = localConfig("sniffer-span-pcap", data, freePort());
        daemon("sniffer-span-pcap", "-r", samplePcap().toString(), config.toString()).waitFor(DAEMON_TIMEOUT).assertExit(0);
        assertFalse(nonEmptyFiles(data).isEmpty(), "replay wrote no file under " + data);
    }

    @Test
    void forwarderReplaysToTheCollectorAndKeepsALocalBackup() throws Exception {
        assumeDaemonsCanRun();
        int port = freePort();
        Path collectorData = dataDir("collector");
        Path forwarderData = dataDir("forwarder");
        Running collector = daemon("sniffer-remote-pcap", localConfig("sniffer-remote-pcap", collectorData, port).toString());
        try {
            awaitListening(collector, port);
            daemon("sniffer-span-forwarder", "-r", samplePcap().toString(),
                    localConfig("sniffer-span-forwarder", forwarderData, port).toString())
                    .waitFor(DAEMON_TIMEOUT).assertExit(0);
            assertFalse(nonEmptyFiles(forwarderData).isEmpty(), "forwarder kept no local backup under " + forwarderData);
            Thread.sleep(1000);
        } finally {
            collector.process.destroy(); // SIGTERM, as systemctl stop sends
        }
        Result stopped = collector.waitFor(Duration.ofSeconds(30));
        assertTrue(stopped.exit == 0 || stopped.exit == 143, "collector exit on SIGTERM: " + stopped.exit + "\n" + stopped.out);
        // What the collector wrote depends on its flushing policy; shown, not asserted.
        System.out.println("collector wrote: " + nonEmptyFiles(collectorData));
    }

    // ---- the daemons, run from the extracted tree as the service user ----

    private static void assumeDaemonsCanRun() throws Exception {
        assumeTrue(onPath("setpriv"), "setpriv (util-linux) is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "running the daemons as another user needs root");
        for (String d : DAEMONS) {
            assertTrue(Files.size(root.resolve("usr/share/secureot/" + d + ".jar")) > 0, d + ".jar is empty");
        }
    }

    /** uid:gid of secureot where the package was installed, of nobody elsewhere. */
    private static int[] serviceUser() throws Exception {
        for (String name : List.of("secureot", "nobody")) {
            Result r = run(List.of("getent", "passwd", name));
            if (r.exit == 0) {
                String[] f = r.out.strip().split(":");
                return new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])};
            }
        }
        throw new IllegalStateException("neither secureot nor nobody exists");
    }

    /** Starts a launcher as the unit would: service user, ambient CAP_NET_RAW/CAP_NET_ADMIN for capture. */
    private static Running daemon(String name, String... args) throws Exception {
        int[] user = serviceUser();
        String caps = CAPTURE_DAEMONS.contains(name) ? "+net_raw,+net_admin" : "-all";
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + user[0], "--regid=" + user[1], "--clear-groups",
                "--inh-caps=" + caps, "--ambient-caps=" + caps,
                "--bounding-set=" + (CAPTURE_DAEMONS.contains(name) ? "-all,+net_raw,+net_admin" : "-all"),
                "--no-new-privs", "--", root.resolve("usr/bin/" + name).toString()));
        cmd.addAll(Arrays.asList(args));
        System.out.println("$ " + String.join(" ", cmd));
        Path log = Files.createTempFile(work, name, ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("HOME", work.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return new Running(name, p, log);
    }

    private record Running(String name, Process process, Path log) {
        Result waitFor(Duration timeout) throws Exception {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                fail(name + " did not exit within " + timeout + ":\n" + Files.readString(log));
            }
            String out = Files.readString(log);
            System.out.println(name + " exited " + process.exitValue() + (out.isBlank() ? "" : ":\n" + out));
            return new Result(process.exitValue(), out);
        }
    }

    private static void awaitListening(Running daemon, int port) throws Exception {
        long deadline = System.nanoTime() + DAEMON_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!daemon.process.isAlive()) {
                fail(daemon.name + " exited " + daemon.process.exitValue() + " before listening:\n" + Files.readString(daemon.log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        fail(daemon.name + " is not listening on port " + port + ":\n" + Files.readString(daemon.log));
    }

    /** A data folder owned by the service user, as postinst makes /var/lib/secureot-agent. */
    private static Path dataDir(String name) throws Exception {
        Path dir = Files.createDirectories(work.resolve("data-" + name));
        int[] user = serviceUser();
        Files.setAttribute(dir, "unix:uid", user[0]);
        Files.setAttribute(dir, "unix:gid", user[1]);
        return dir;
    }

    /**
     * The shipped example config with only the host-specific values changed: capture on lo,
     * write under the test's data folder, use a free port on loopback.
     */
    private static Path localConfig(String daemon, Path data, int port) throws IOException {
        String yaml = Files.readString(root.resolve("etc/secureot/" + daemon + ".yaml"));
        yaml = yaml.replaceAll("(?m)^(\\s*)interface:.*$", "$1interface: \"lo\"")
                .replaceAll("(?m)^(\\s*)pcap_raw_output_path:.*$", "$1pcap_raw_output_path: \"" + data + "\"")
                .replaceAll("(?m)^(\\s*)host:.*$", "$1host: \"127.0.0.1\"")
                .replaceAll("(?m)^(\\s*)port:.*$", "$1port: " + port);
        Path config = Files.writeString(Files.createTempFile(work, daemon, ".yaml"), yaml);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        return config;
    }

    /** A classic pcap (microsecond, Ethernet) with UDP packets that hit each example routing rule and none. */
    private static Path samplePcap() throws IOException {
        Path pcap = work.resolve("sample.pcap");
        if (Files.exists(pcap)) {
            return pcap;
        }
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        int[][] flows = {{192, 168, 10, 5, 192, 168, 10, 6}, {10, 1, 1, 1, 192, 168, 20, 15}, {10, 1, 1, 1, 10, 1, 1, 2}};
        long seconds = 1_700_000_000L;
        for (int i = 0; i < 9; i++) {
            byte[] frame = udpFrame(flows[i % flows.length], 47808, ("BACnet? packet " + i).getBytes(StandardCharsets.US_ASCII));
            b.putInt((int) (seconds + i)).putInt(1000 * i).putInt(frame.length).putInt(frame.length).put(frame);
        }
        Files.write(pcap, Arrays.copyOf(b.array(), b.position()));
        Files.setPosixFilePermissions(pcap, PosixFilePermissions.fromString("rw-r--r--"));
        return pcap;
    }

    private static byte[] udpFrame(int[] ips, int port, byte[] payload) {
        ByteBuffer f = ByteBuffer.allocate(14 + 20 + 8 + payload.length); // network byte order
        f.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        int ipStart = f.position();
        f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload.length)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0);
        for (int octet : ips) {
            f.put((byte) octet);
        }
        int sum = 0;
        for (int i = ipStart; i < ipStart + 20; i += 2) {
            sum += f.getShort(i) & 0xffff;
        }
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        f.putShort(ipStart + 10, (short) ~sum);
        f.putShort((short) port).putShort((short) port).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        return f.array();
    }

    // ---- helpers ----

    private static Map<String, String> unitSettings(String daemon) throws IOException {
        // Later assignments of the same key add to or reset earlier ones; for the keys checked
        // here each unit has one line, so the last one wins.
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("lib/systemd/system/" + daemon + ".service"))) {
            String t = line.strip();
            int eq = t.indexOf('=');
            if (!t.isEmpty() && !t.startsWith("#") && !t.startsWith(";") && !t.startsWith("[") && eq > 0) {
                settings.put(t.substring(0, eq), t.substring(eq + 1).strip());
            }
        }
        return settings;
    }

    private static Set<String> words(String value) {
        return value == null || value.isBlank() ? Set.of() : new TreeSet<>(Arrays.asList(value.strip().split("\\s+")));
    }

    private static Set<String> filesUnder(Path base, String... dirs) throws IOException {
        Set<String> files = new TreeSet<>();
        for (String dir : dirs) {
            try (Stream<Path> s = Files.walk(base.resolve(dir))) {
                files.addAll(s.filter(Files::isRegularFile).map(p -> base.relativize(p).toString()).collect(Collectors.toSet()));
            }
        }
        return files;
    }

    private static List<Path> nonEmptyFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                try {
                    return Files.size(p) > 0;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String tool) throws Exception {
        return run(List.of("sh", "-c", "command -v " + tool)).exit == 0;
    }

    private record Result(int exit, String out) {
        Result assertExit(int expected) {
            assertEquals(expected, exit, "exit status; output:\n" + out);
            return this;
        }
    }

    private static Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }
}
