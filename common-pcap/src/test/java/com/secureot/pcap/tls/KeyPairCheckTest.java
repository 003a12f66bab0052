package com.secureot.pcap.tls;

import com.secureot.pcap.config.ConfigException;
import com.secureot.pcap.testing.TestCa;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key-to-certificate check of {@link TlsMaterial#load} on keys openssl made: pairs load, a key
 * of another certificate is refused, for EC (by the public point the key file holds, and by a
 * signature when it holds none) and RSA.
 */
class KeyPairCheckTest {
    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa.Issued ec;
    static TestCa.Issued otherEc;
    static TestCa.Issued rsa;
    static TestCa.Issued otherRsa;

    @BeforeAll
    static void issue() throws Exception {
        ca = TestCa.create(dir.resolve("ca"), "key check CA");
        ec = ca.client("ec.site1");
        otherEc = ca.client("ec.site2");
        rsa = ca.clientRsa("rsa.site1");
        otherRsa = ca.clientRsa("rsa.site2");
    }

    static TlsMaterial load(Path cert, Path key) throws ConfigException {
        return TlsMaterial.load("forward.tls", cert, key, "ca_file", ca.caCert, null, Instant.now());
    }

    static String refusal(Path cert, Path key) {
        return String.join("; ", assertThrows(ConfigException.class, () -> load(cert, key)).errors());
    }

    @Test
    void anEcKeyIsCheckedByThePublicPointItsFileHolds() throws Exception {
        TlsMaterial m = load(ec.cert(), ec.key());
        ECPrivateKey key = (ECPrivateKey) m.key();
        assertEquals(((ECPublicKey) m.certificate().getPublicKey()).getW(), KeyPairCheck.embeddedPoint(key.getEncoded(), 32),
                "openssl writes the public point into the PKCS#8 key, and the check reads it there");
        assertTrue(refusal(ec.cert(), otherEc.key()).contains("this key does not match the certificate"));
    }

    @Test
    void anEcKeyWithoutItsPublicPointIsCheckedByASignature() throws Exception {
        Path bare = dir.resolve("bare.key");
        openssl("sh", "-c", "openssl ec -in '" + ec.key() + "' -no_public 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out '"
                + bare + "'");
        Path otherBare = dir.resolve("other-bare.key");
        openssl("sh", "-c", "openssl ec -in '" + otherEc.key() + "' -no_public 2>/dev/null | openssl pkcs8 -topk8 -nocrypt "
                + "-out '" + otherBare + "'");
        TlsMaterial m = load(ec.cert(), bare);
        assertNull(KeyPairCheck.embeddedPoint(m.key().getEncoded(), 32), "no public point in it");
        assertTrue(refusal(ec.cert(), otherBare).contains("this key does not match the certificate"));
    }

    @Test
    void anRsaKeyIsCheckedByItsModulus() throws Exception {
        assertNotNull(load(rsa.cert(), rsa.key()));
        assertTrue(refusal(rsa.cert(), otherRsa.key()).contains("this key does not match the certificate"));
        assertTrue(refusal(rsa.cert(), ec.key()).contains("this key does not match the certificate"));
        assertTrue(refusal(ec.cert(), rsa.key()).contains("this key does not match the certificate"));
    }

    private static void openssl(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
    }
}
