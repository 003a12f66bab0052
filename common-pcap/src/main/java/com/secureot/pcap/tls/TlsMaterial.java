package com.secureot.pcap.tls;

import com.secureot.pcap.config.ConfigException;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One side's TLS material read from PEM files and checked before use: its certificate chain and
 * PKCS#8 private key (EC or RSA, and matching each other, and the certificate valid now), the CA
 * certificates that verify the peer, and an optional CRL. Every problem is a {@link
 * ConfigException} naming the YAML key and the file, so that {@code --check-config} and a start
 * exit 78 with one line; a reload (SIGHUP) reports it the same way and keeps the old material.
 */
public final class TlsMaterial {
    private static final Pattern KEY_PEM = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final Set<TrustAnchor> anchors;
    private final List<X509CRL> crls;

    private TlsMaterial(List<X509Certificate> chain, PrivateKey key, Set<TrustAnchor> anchors, List<X509CRL> crls) {
        this.chain = chain;
        this.key = key;
        this.anchors = anchors;
        this.crls = crls;
    }

    /**
     * Reads and checks the files.
     *
     * @param path the YAML path of the block, e.g. {@code tls} or {@code forward.tls}, to name keys in errors
     * @param caKey the key naming the CA file ({@code client_ca_file}, {@code ca_file})
     * @param crl null when none
     */
    public static TlsMaterial load(String path, Path certificate, Path privateKey, String caKey, Path ca, Path crl,
                                   Instant now) throws ConfigException {
        // Each file is checked on its own, so that one run names every file that is wrong.
        List<String> errors = new ArrayList<>();
        List<X509Certificate> chain = collect(errors, () -> certificates(path + ".certificate_file", certificate));
        X509Certificate own = chain == null ? null : chain.get(0);
        if (own != null) {
            try {
                own.checkValidity(java.util.Date.from(now));
            } catch (CertificateExpiredException e) {
                errors.add(error(path + ".certificate_file", certificate, "the certificate expired on "
                        + own.getNotAfter().toInstant()).getMessage());
            } catch (CertificateNotYetValidException e) {
                errors.add(error(path + ".certificate_file", certificate, "the certificate is not valid before "
                        + own.getNotBefore().toInstant()).getMessage());
            }
        }
        PrivateKey key = collect(errors, () -> privateKey(path + ".private_key_file", privateKey));
        if (key != null && own != null && !KeyPairCheck.matches(key, own)) {
            errors.add(error(path + ".private_key_file", privateKey, "this key does not match the certificate in "
                    + certificate).getMessage());
        }
        List<X509Certificate> cas = collect(errors, () -> certificates(path + "." + caKey, ca));
        List<X509CRL> crls = crl == null ? List.of() : collect(errors, () -> crls(path + ".crl_file", crl));
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate c : cas) {
            anchors.add(new TrustAnchor(c, null));
        }
        return new TlsMaterial(List.copyOf(chain), key, anchors, crls);
    }

    private interface FileCheck<T> {
        T read() throws ConfigException;
    }

    /** The file's content, or null with its errors added to {@code errors}. */
    private static <T> T collect(List<String> errors, FileCheck<T> check) {
        try {
            return check.read();
        } catch (ConfigException e) {
            errors.addAll(e.errors());
            return null;
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    PrivateKey key() {
        return key;
    }

    /**
     * A context presenting this side's certificate and verifying the peer by the PKIX rules:
     * chain to the CA, validity dates, key usage, and the CRL when given.
     *
     * @param wrap turns the JDK's trust manager into the one used (the collector's adds its checks), or null
     */
    public SSLContext context(java.util.function.UnaryOperator<X509TrustManager> wrap)
            throws GeneralSecurityException {
        X509TrustManager tm = trustManager();
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {keyManager()}, new TrustManager[] {wrap == null ? tm : wrap.apply(tm)}, null);
        return ctx;
    }

    /** This side's certificate chain and key, for the JDK's TLS and BoringSSL's alike. */
    public X509ExtendedKeyManager keyManager() {
        return new OwnKeyManager(key, chain);
    }

    /** The JDK's PKIX trust manager for the CA (and the CRL when given), whatever TLS implementation uses it. */
    public X509TrustManager trustManager() throws GeneralSecurityException {
        PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
        if (crls.isEmpty()) {
            params.setRevocationEnabled(false);
        } else {
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker rc = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
            // The CRL file only: no OCSP, no download from distribution points (a plant network has no route there).
            rc.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK,
                    PKIXRevocationChecker.Option.ONLY_END_ENTITY));
            params.addCertPathChecker(rc);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(params));
        X509TrustManager tm = null;
        for (TrustManager t : tmf.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                tm = x;
            }
        }
        return tm;
    }

    private static byte[] read(String key, Path file) throws ConfigException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw error(key, file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static List<X509Certificate> certificates(String key, Path file) throws ConfigException {
        byte[] pem = read(key, file);
        try {
            Collection<? extends java.security.cert.Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            List<X509Certificate> out = new ArrayList<>();
            for (var c : all) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw error(key, file, "holds no PEM certificate");
            }
            return out;
        } catch (CertificateException e) {
            throw error(key, file, "is not a PEM certificate file");
        }
    }

    private static PrivateKey privateKey(String key, Path file) throws ConfigException {
        String pem = new String(read(key, file), StandardCharsets.US_ASCII);
        Matcher m = KEY_PEM.matcher(pem);
        if (!m.find()) {
            throw error(key, file, "holds no PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----; convert with "
                    + "openssl pkcs8 -topk8 -nocrypt)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw error(key, file, "is not valid base64 PEM");
        }
        for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw error(key, file, "is not an EC or RSA PKCS#8 key");
    }

    private static List<X509CRL> crls(String key, Path file) throws ConfigException {
        byte[] pem = read(key, file);
        try {
            List<X509CRL> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(pem))) {
                out.add((X509CRL) c);
            }
            if (out.isEmpty()) {
                throw error(key, file, "holds no PEM CRL");
            }
            return out;
        } catch (java.security.cert.CRLException | CertificateException e) {
            throw error(key, file, "is not a PEM CRL file");
        }
    }

    private static ConfigException error(String key, Path file, String what) {
        return new ConfigException(key + ": " + file + " " + what);
    }
}
