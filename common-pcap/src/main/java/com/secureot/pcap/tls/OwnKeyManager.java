package com.secureot.pcap.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Presents this side's one certificate chain and key, as read from its PEM files, to the JDK's
 * TLS and to BoringSSL alike. A KeyManagerFactory would need them in a PKCS#12 key store, which
 * encrypts the key on the way in and decrypts it on the way out (PBKDF2, ten thousand rounds of
 * HMAC-SHA-256 each way), all of it in the interpreter at start-up and again on every reload.
 */
final class OwnKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "self";

    private final PrivateKey key;
    private final X509Certificate[] chain;

    OwnKeyManager(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = chain.toArray(new X509Certificate[0]);
    }

    /**
     * The alias when the TLS layer asks for this key's type: {@code EC} or {@code RSA}, or with the
     * signer's type after an underscore ({@code EC_EC}: TLS 1.2's wording). The issuers a peer
     * names are not checked here: the peer verifies the chain itself and refuses it if wrong.
     */
    private String alias(String keyType) {
        if (keyType == null) {
            return null;
        }
        int u = keyType.indexOf('_');
        String type = u < 0 ? keyType : keyType.substring(0, u);
        String alg = key.getAlgorithm();
        boolean ok = type.equals(alg) || (type.equals("RSASSA-PSS") && alg.equals("RSA"));
        return ok ? ALIAS : null;
    }

    private String alias(String[] keyTypes) {
        if (keyTypes != null) {
            for (String t : keyTypes) {
                if (alias(t) != null) {
                    return ALIAS;
                }
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return alias(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return alias(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
