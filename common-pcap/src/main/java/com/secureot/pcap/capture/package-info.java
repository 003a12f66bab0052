/** Packet sources: live capture through pcap4j/libpcap, and replay of capture files. */
package com.secureot.pcap.capture;
