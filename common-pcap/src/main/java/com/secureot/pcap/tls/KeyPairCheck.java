package com.secureot.pcap.tls;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;

/**
 * Whether a private key is the pair of a certificate's public key, checked at every start and
 * reload. By comparing public values where the key file holds them: an RSA CRT key carries its
 * modulus and public exponent, a PKCS#8 EC key as openssl writes it carries its public point.
 * Only otherwise by signing and verifying a probe: in a fresh JVM the JDK's elliptic-curve
 * arithmetic runs interpreted and costs a large share of a daemon's start.
 */
final class KeyPairCheck {
    private KeyPairCheck() {
    }

    static boolean matches(PrivateKey key, X509Certificate cert) {
        PublicKey pub = cert.getPublicKey();
        if (key instanceof RSAPrivateCrtKey k && pub instanceof RSAPublicKey p) {
            return k.getModulus().equals(p.getModulus()) && k.getPublicExponent().equals(p.getPublicExponent());
        }
        if (key instanceof ECPrivateKey k && pub instanceof ECPublicKey p) {
            if (!sameCurve(k.getParams(), p.getParams())) {
                return false;
            }
            ECPoint embedded = embeddedPoint(key.getEncoded(), (k.getParams().getCurve().getField().getFieldSize() + 7) / 8);
            if (embedded != null) {
                return embedded.equals(p.getW());
            }
        }
        return bySignature(key, cert);
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        return a.getCurve().equals(b.getCurve()) && a.getOrder().equals(b.getOrder())
                && a.getGenerator().equals(b.getGenerator());
    }

    /**
     * The public point of a PKCS#8 EC key (RFC 5915's optional {@code publicKey [1] BIT STRING},
     * uncompressed), or null when the encoding has none or another form.
     */
    static ECPoint embeddedPoint(byte[] pkcs8, int fieldBytes) {
        try {
            Der info = new Der(pkcs8).enter(0x30);
            info.skip(0x02); // version
            info.skip(0x30); // algorithm
            Der ec = info.enter(0x04).enter(0x30);
            ec.skip(0x02); // version
            ec.skip(0x04); // the private scalar
            while (ec.more()) {
                if (ec.tag() != 0xA1) {
                    ec.skip(ec.tag()); // parameters [0]
                    continue;
                }
                Der bits = ec.enter(0xA1).enter(0x03);
                int n = bits.remaining();
                if (n != 2 + 2 * fieldBytes || bits.at(0) != 0 || bits.at(1) != 0x04) {
                    return null; // a compressed point, or malformed: the signature decides
                }
                return new ECPoint(new BigInteger(1, bits.bytes, bits.pos + 2, fieldBytes),
                        new BigInteger(1, bits.bytes, bits.pos + 2 + fieldBytes, fieldBytes));
            }
            return null;
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    /** Signs with the key and verifies with the certificate: true when they are a pair, whatever the algorithm. */
    private static boolean bySignature(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = "secureot key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false; // a key of another algorithm than the certificate's
        }
    }

    /** A window of DER bytes read element by element (definite lengths only, as DER has). */
    private static final class Der {
        final byte[] bytes;
        int pos;
        final int end;

        Der(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        private Der(byte[] bytes, int pos, int end) {
            this.bytes = bytes;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int remaining() {
            return end - pos;
        }

        int at(int i) {
            return bytes[pos + i] & 0xFF;
        }

        int tag() {
            if (pos >= end) {
                throw new IllegalArgumentException("DER: no element left");
            }
            return bytes[pos] & 0xFF;
        }

        /** The contents of the next element, which must have {@code tag}; this window moves past it. */
        Der enter(int tag) {
            if (tag() != tag) {
                throw new IllegalArgumentException("DER: tag " + tag() + ", expected " + tag);
            }
            int p = pos + 1;
            int len = bytes[p++] & 0xFF;
            if (len >= 0x80) {
                int octets = len & 0x7F;
                if (octets == 0 || octets > 3) {
                    throw new IllegalArgumentException("DER: length of " + octets + " bytes");
                }
                len = 0;
                for (int i = 0; i < octets; i++) {
                    len = (len << 8) | (bytes[p++] & 0xFF);
                }
            }
            if (p + len > end) {
                throw new IllegalArgumentException("DER: element past its container");
            }
            pos = p + len;
            return new Der(bytes, p, p + len);
        }

        void skip(int tag) {
            enter(tag);
        }
    }
}
