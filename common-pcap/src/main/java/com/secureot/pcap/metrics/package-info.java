/** Counters kept by the daemons: what was received, written, forwarded, and dropped with a reason. */
package com.secureot.pcap.metrics;
