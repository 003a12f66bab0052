package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import com.secureot.remote.config.TlsConfig;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * Verifies a client's certificate with the JDK's PKIX trust manager (chain to the CA, dates, key
 * usage, CRL) and then against {@code tls.allowed_clients}, and remembers why it refused, by type
 * (the exception's class and {@link CertPathValidatorException#getReason()}), never by message
 * text: the connection asks after its handshake failed ({@link #refusal}).
 */
final class ClientVerifier extends X509ExtendedTrustManager {
    /** Why a certificate was refused, and the line an operator reads. */
    record Refusal(RejectReason reason, String detail) {
    }

    private final X509ExtendedTrustManager pkix;
    private final TlsConfig config;
    private final Map<SSLEngine, Refusal> refusals;

    /** @param refusals shared by the verifiers of every reload, so that a handshake begun before one is still answered */
    ClientVerifier(X509TrustManager pkix, TlsConfig config, Map<SSLEngine, Refusal> refusals) {
        this.pkix = (X509ExtendedTrustManager) pkix;
        this.config = config;
        this.refusals = refusals;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            verify(chain, authType, engine);
        } catch (Refused r) {
            refusals.put(engine, r.refusal);
            throw r;
        }
    }

    private void verify(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        String subject = chain[0].getSubjectX500Principal().getName();
        for (X509Certificate c : chain) {
            try {
                c.checkValidity();
            } catch (CertificateExpiredException e) {
                throw new Refused(RejectReason.EXPIRED, "certificate " + c.getSubjectX500Principal().getName()
                        + " expired on " + c.getNotAfter().toInstant());
            } catch (CertificateNotYetValidException e) {
                throw new Refused(RejectReason.EXPIRED, "certificate " + c.getSubjectX500Principal().getName()
                        + " is not valid before " + c.getNotBefore().toInstant());
            }
        }
        try {
            pkix.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            CertPathValidatorException v = find(e, CertPathValidatorException.class);
            if (v != null && v.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                throw new Refused(RejectReason.REVOKED, "certificate " + subject + " is revoked (tls.crl_file)");
            }
            if (v != null && v.getReason() == PKIXReason.INVALID_KEY_USAGE) {
                throw new Refused(RejectReason.BAD_CERTIFICATE, "certificate " + subject
                        + " has a key usage that does not allow TLS client authentication");
            }
            if (v != null || find(e, CertPathBuilderException.class) != null) {
                throw new Refused(RejectReason.UNKNOWN_CA, "certificate " + subject
                        + " does not chain to tls.client_ca_file");
            }
            throw new Refused(RejectReason.BAD_CERTIFICATE, "certificate " + subject
                    + " is not valid for TLS client authentication: " + e.getMessage());
        }
        String name = name(chain[0]);
        if (!config.allows(name)) {
            throw new Refused(RejectReason.NAME_NOT_ALLOWED, "certificate name \"" + name
                    + "\" is not in tls.allowed_clients");
        }
    }

    /** The certificate's name: its first DNS subject alternative name, else its CN, else its subject. */
    static String name(X509Certificate c) {
        try {
            var sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        return String.valueOf(san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable extension: the CN then
        }
        String subject = c.getSubjectX500Principal().getName();
        try {
            for (Rdn r : new LdapName(subject).getRdns()) {
                if (r.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(r.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // fall through
        }
        return subject;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static final class Refused extends CertificateException {
        final Refusal refusal;

        Refused(RejectReason reason, String detail) {
            super(detail);
            this.refusal = new Refusal(reason, detail);
        }
    }

    // --- the rest of the interface: a server only verifies clients ---

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
