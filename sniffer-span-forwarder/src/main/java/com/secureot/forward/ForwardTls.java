package com.secureot.forward;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.config.ForwardTlsConfig;
import com.secureot.pcap.tls.TlsMaterial;
import com.secureot.pcap.wire.TlsAcceptNotice;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * {@code forward.tls}: this sensor's certificate and the CA that verifies the collector, read and
 * checked once at start (a problem is exit 78 naming the key and the file). Each connection gets
 * an engine that verifies the collector's chain and its name ({@code server_name}, the HTTPS
 * rules: DNS or IP subject alternative name); TLS 1.3 unless {@code min_version: "1.2"}, AEAD only.
 * The engine is BoringSSL's (Netty's OPENSSL provider, its engines freed by the GC) when
 * netty-tcnative loads here, the JDK's otherwise; the JDK's PKIX trust manager verifies either way.
 */
final class ForwardTls {
    /** TLS 1.3's suites (all AEAD) and TLS 1.2's AEAD ones with forward secrecy. */
    private static final List<String> AEAD_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final SSLContext context;
    /** BoringSSL's context, or null: the JDK's {@link #context}. */
    private final SslContext openssl;
    private final String serverName;
    private final String[] protocols;
    private final String[] suites;

    private ForwardTls(SSLContext context, SslContext openssl, String serverName, String[] protocols,
                       String[] suites) {
        this.context = context;
        this.openssl = openssl;
        this.serverName = serverName;
        this.protocols = protocols;
        this.suites = suites;
    }

    static ForwardTls load(ForwardTlsConfig cfg, Instant now) throws ConfigException, InterruptedException {
        // Netty's OpenSSL initialisation (loading BoringSSL, probing the JDK's TLS, listing suites)
        // takes about as long as reading and checking the PEM files and needs nothing from them: it
        // runs meanwhile on a second thread, so that a forwarder's start does not pay for both.
        FutureTask<Boolean> openSslReady = new FutureTask<>(OpenSsl::isAvailable);
        Thread init = new Thread(openSslReady, "tls-init");
        init.setDaemon(true);
        init.start();
        TlsMaterial m = TlsMaterial.load("forward.tls", cfg.certificateFile(), cfg.privateKeyFile(), "ca_file",
                cfg.caFile(), null, now);
        SSLContext ctx;
        try {
            ctx = m.context(null);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("forward.tls: the JDK cannot build a TLS context from these files: "
                    + e.getMessage());
        }
        List<String> suites = new ArrayList<>(AEAD_SUITES);
        suites.retainAll(Arrays.asList(ctx.createSSLEngine().getSupportedCipherSuites()));
        String[] protocols = cfg.minVersion().equals("1.2") ? new String[] {"TLSv1.3", "TLSv1.2"}
                : new String[] {"TLSv1.3"};
        SslContext openssl = null;
        if (available(openSslReady)) {
            // The JDK's AES-GCM runs GHASH as Java code until the JIT compiles its intrinsic; BoringSSL
            // is at full speed from the first record (docs/performance.md, mutual TLS).
            try {
                openssl = SslContextBuilder.forClient().keyManager(m.keyManager()).trustManager(m.trustManager())
                        .protocols(protocols).ciphers(suites)
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, TlsAcceptNotice.ALPN))
                        .sslProvider(SslProvider.OPENSSL).build();
            } catch (GeneralSecurityException | javax.net.ssl.SSLException e) {
                throw new ConfigException("forward.tls: OpenSSL cannot build a TLS context from these files: "
                        + e.getMessage());
            }
        }
        ForwardTls tls = new ForwardTls(ctx, openssl, cfg.serverName(), protocols, suites.toArray(new String[0]));
        tls.warmUp();
        return tls;
    }

    /** Whether BoringSSL loaded here; an error in Netty's initialisation leaves the JDK's TLS, as unavailability does. */
    private static boolean available(FutureTask<Boolean> openSslReady) throws InterruptedException {
        try {
            return openSslReady.get();
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** Builds a ClientHello once at start, so that the first connection's handshake does not pay the JDK's set-up. */
    private void warmUp() {
        try {
            SSLEngine e = engine(443);
            e.beginHandshake();
            e.wrap(java.nio.ByteBuffer.allocate(0), java.nio.ByteBuffer.allocate(e.getSession().getPacketBufferSize()));
            e.closeOutbound();
        } catch (javax.net.ssl.SSLException e) {
            // only a warm-up: the real handshake reports its own problems
        }
    }

    /** A client engine for one connection, verifying the collector as {@code server_name}. */
    SSLEngine engine(int port) {
        SSLEngine e = openssl != null ? openssl.newEngine(ByteBufAllocator.DEFAULT, serverName, port)
                : context.createSSLEngine(serverName, port);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setProtocols(protocols);
        p.setCipherSuites(suites);
        if (openssl == null) {
            p.setApplicationProtocols(new String[] {TlsAcceptNotice.ALPN}); // BoringSSL's context offers it itself
        }
        if (!serverName.matches("[0-9.]+|.*:.*")) {
            p.setServerNames(List.of(new SNIHostName(serverName)));
        }
        e.setSSLParameters(p);
        return e;
    }

    /** Which TLS implementation the connections use, for the log. */
    String provider() {
        return openssl != null ? "OpenSSL " + OpenSsl.versionString() : "JDK";
    }

    String serverName() {
        return serverName;
    }
}
