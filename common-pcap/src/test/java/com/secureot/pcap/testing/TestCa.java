package com.secureot.pcap.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small certificate authority made at test time with the {@code openssl} command (a peer
 * written by nobody here): EC P-256 keys (or RSA 2048) in PEM PKCS#8, certificates with a DNS name,
 * expired ones, revocation and a CRL, the way docs/deployment.md tells a site to make them.
 */
public final class TestCa {
    private final Path dir;
    public final Path caCert;
    public final Path caKey;

    /** A certificate and its key, both PEM. */
    public record Issued(String name, Path cert, Path key) {
    }

    private TestCa(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.pem");
        this.caKey = dir.resolve("ca.key");
    }

    /** A new CA in {@code dir} (created), named {@code cn}. */
    public static TestCa create(Path dir, String cn) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCa ca = new TestCa(dir);
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(dir.resolve("ca.cnf"), ""
                + "[ca]\ndefault_ca = test\n"
                + "[test]\ndir = " + dir + "\ndatabase = $dir/index.txt\nserial = $dir/serial\n"
                + "new_certs_dir = $dir\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n"
                + "default_md = sha256\ndefault_days = 30\ndefault_crl_days = 30\npolicy = any\n"
                + "unique_subject = no\ncopy_extensions = none\n"
                + "[any]\ncommonName = supplied\n");
        ca.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", ca.caKey.toString(), "-out", ca.caCert.toString(), "-days", "30", "-subj", "/CN=" + cn,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /** A client certificate (extended key usage clientAuth) named {@code name} by its DNS SAN and CN. */
    public Issued client(String name) throws IOException, InterruptedException {
        return issue(name, "clientAuth", null, null);
    }

    /** The same with an RSA 2048 key. */
    public Issued clientRsa(String name) throws IOException, InterruptedException {
        return issue(name, "clientAuth", null, null, RSA);
    }

    /** A server certificate (serverAuth) for {@code name} (a DNS name, or an IP address). */
    public Issued server(String name) throws IOException, InterruptedException {
        return issue(name, "serverAuth", null, null);
    }

    /** The same with an RSA 2048 key. */
    public Issued serverRsa(String name) throws IOException, InterruptedException {
        return issue(name, "serverAuth", null, null, RSA);
    }

    /** A client certificate valid only between the two {@code YYYYMMDDHHMMSSZ} dates. */
    public Issued clientValid(String name, String start, String end) throws IOException, InterruptedException {
        return issue(name, "clientAuth", start, end);
    }

    private static final List<String> EC = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    private static final List<String> RSA = List.of("-newkey", "rsa:2048");

    private Issued issue(String name, String usage, String start, String end) throws IOException, InterruptedException {
        return issue(name, usage, start, end, EC);
    }

    private Issued issue(String name, String usage, String start, String end, List<String> newKey)
            throws IOException, InterruptedException {
        String file = name.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + System.nanoTime();
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".pem");
        Path ext = dir.resolve(file + ".ext");
        boolean ip = name.matches("[0-9.]+");
        Files.writeString(ext, "subjectAltName = " + (ip ? "IP:" : "DNS:") + name + "\n"
                + "extendedKeyUsage = " + usage + "\nkeyUsage = critical,digitalSignature\n"
                + "basicConstraints = CA:FALSE\n");
        List<String> req = new ArrayList<>(List.of("req"));
        req.addAll(newKey);
        req.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name));
        openssl(req.toArray(new String[0]));
        List<String> args = new ArrayList<>(List.of("ca", "-batch", "-config", dir.resolve("ca.cnf").toString(),
                "-in", csr.toString(), "-out", cert.toString(), "-extfile", ext.toString(), "-notext"));
        if (start != null) {
            args.addAll(List.of("-startdate", start, "-enddate", end));
        }
        openssl(args.toArray(new String[0]));
        return new Issued(name, cert, key);
    }

    /** Revokes {@code c} and writes the CA's CRL; returns the CRL file. */
    public Path revokeAndWriteCrl(Issued c) throws IOException, InterruptedException {
        openssl("ca", "-batch", "-config", dir.resolve("ca.cnf").toString(), "-revoke", c.cert().toString());
        return writeCrl();
    }

    /** The CA's current CRL. */
    public Path writeCrl() throws IOException, InterruptedException {
        Path crl = dir.resolve("ca-" + System.nanoTime() + ".crl");
        openssl("ca", "-batch", "-config", dir.resolve("ca.cnf").toString(), "-gencrl", "-out", crl.toString());
        return crl;
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
