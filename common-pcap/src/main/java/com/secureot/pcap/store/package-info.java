/** Hourly, per-prefix pcap files: naming, rotation, bounded open files, write-error handling, retention. */
package com.secureot.pcap.store;
