/** TLS material from PEM files (certificates, PKCS#8 keys, CRLs), checked once, and the JDK contexts built from it. */
package com.secureot.pcap.tls;
