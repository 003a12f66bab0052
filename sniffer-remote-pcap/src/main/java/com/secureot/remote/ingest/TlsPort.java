package com.secureot.remote.ingest;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.tls.TlsMaterial;
import com.secureot.remote.config.TlsConfig;
import com.secureot.pcap.wire.TlsAcceptNotice;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The TLS side of the front: the current material (certificate, key, client CA, CRL) and a new
 * {@link SslHandler} for each connection. TLS 1.3 (1.2 only with {@code tls.min_version: "1.2"}),
 * AEAD suites only. {@link #reload} (SIGHUP) swaps the material for new handshakes; established
 * streams keep theirs; a reload that fails is one ERROR line and the old material stays.
 */
public final class TlsPort {
    /** TLS 1.3's suites (all AEAD) and TLS 1.2's AEAD ones with forward secrecy. */
    static final List<String> AEAD_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final Logger log = LoggerFactory.getLogger(TlsPort.class);

    private final TlsConfig config;
    private final Clock clock;
    private volatile Current current;

    private static final Map<SSLEngine, ClientVerifier.Refusal> REFUSALS = new ConcurrentHashMap<>();

    /** @param openssl the OpenSSL (BoringSSL) context when netty-tcnative loads here, else null: the JDK's {@code context} */
    private record Current(SSLContext context, SslContext openssl, String[] protocols, String[] suites,
                           String subject) {
    }

    private TlsPort(TlsConfig config, Clock clock, Current current) {
        this.config = config;
        this.clock = clock;
        this.current = current;
    }

    /** Reads and checks the material; a problem names the key and the file (exit 78). */
    public static TlsPort load(TlsConfig config, Clock clock) throws ConfigException {
        return new TlsPort(config, clock, build(config, clock));
    }

    private static Current build(TlsConfig config, Clock clock) throws ConfigException {
        TlsMaterial m = TlsMaterial.load("tls", config.certificateFile(), config.privateKeyFile(), "client_ca_file",
                config.clientCaFile(), config.crlFile(), clock.instant());
        SSLContext ctx;
        try {
            ctx = m.context(pkix -> new ClientVerifier(pkix, config, REFUSALS));
        } catch (GeneralSecurityException e) {
            throw new ConfigException("tls: the JDK cannot build a TLS context from these files: " + e.getMessage());
        }
        SSLEngine probe = ctx.createSSLEngine();
        List<String> suites = new ArrayList<>(AEAD_SUITES);
        suites.retainAll(Arrays.asList(probe.getSupportedCipherSuites()));
        String[] protocols = config.minVersion().equals("1.2") ? new String[] {"TLSv1.3", "TLSv1.2"}
                : new String[] {"TLSv1.3"};
        SslContext openssl = null;
        if (OpenSsl.isAvailable()) {
            // BoringSSL's AES-GCM runs at full speed from the first record; the JDK's GHASH runs as
            // Java code until the JIT compiles its intrinsic (docs/performance.md). Same verifier.
            try {
                openssl = SslContextBuilder.forServer(m.keyManager())
                        .trustManager(new ClientVerifier(m.trustManager(), config, REFUSALS))
                        .clientAuth(ClientAuth.OPTIONAL).protocols(protocols).ciphers(suites)
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                // A client that offers other names, or none, goes on without ALPN.
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, TlsAcceptNotice.ALPN))
                        .sslProvider(SslProvider.OPENSSL).build();
            } catch (GeneralSecurityException | javax.net.ssl.SSLException e) {
                throw new ConfigException("tls: OpenSSL cannot build a TLS context from these files: "
                        + e.getMessage());
            }
        }
        return new Current(ctx, openssl, protocols, suites.toArray(new String[0]),
                m.certificate().getSubjectX500Principal().getName());
    }

    /** SIGHUP: new handshakes use the files as they are now. */
    public void reload() {
        try {
            current = build(config, clock);
            log.info("tls: reloaded {} (certificate {}), {} and the CA{}", config.certificateFile(), current.subject,
                    config.privateKeyFile(), config.crlFile() == null ? "" : " and CRL");
        } catch (ConfigException e) {
            log.error("tls: reload failed, the previous certificates stay in use: {}", String.join("; ", e.errors()));
        }
    }

    /** The handler that does the handshake and the records of one connection. */
    SslHandler newHandler(Channel ch) {
        Current c = current;
        if (c.openssl != null) {
            SslHandler h = c.openssl.newHandler(ch.alloc());
            h.setHandshakeTimeout(config.handshakeTimeoutSeconds(), TimeUnit.SECONDS);
            return h;
        }
        SSLEngine engine = c.context.createSSLEngine();
        engine.setUseClientMode(false);
        // Wanted, not needed: a client without a certificate completes the handshake and is then refused
        // as no_certificate, told apart by type (SSLPeerUnverifiedException) rather than by an alert's text.
        engine.setWantClientAuth(true);
        engine.setEnabledProtocols(c.protocols);
        engine.setEnabledCipherSuites(c.suites);
        // "": no ALPN for a client that does not offer ours (null would refuse it).
        engine.setHandshakeApplicationProtocolSelector((e, offered) ->
                offered.contains(TlsAcceptNotice.ALPN) ? TlsAcceptNotice.ALPN : "");
        SslHandler h = new SslHandler(engine);
        h.setHandshakeTimeout(config.handshakeTimeoutSeconds(), TimeUnit.SECONDS);
        return h;
    }

    /** Why the verifier refused the certificate of {@code engine}, or null. */
    ClientVerifier.Refusal refusal(SSLEngine engine) {
        return REFUSALS.remove(engine);
    }

    /** Which TLS implementation serves the port, as the start-up line names it. */
    String provider() {
        return current.openssl != null ? "OpenSSL " + OpenSsl.versionString() : "JDK";
    }

    TlsConfig config() {
        return config;
    }
}
