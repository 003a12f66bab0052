/** Frames and their hand-off between threads: link types, IP header lookup, pooled batches. */
package com.secureot.pcap.packet;
