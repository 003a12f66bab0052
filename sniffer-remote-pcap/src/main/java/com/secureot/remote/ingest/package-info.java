/** The receiving side: TCP connections (PCAP-over-IP or legacy raw frames) and UDP datagrams (SOT1 or raw). */
package com.secureot.remote.ingest;
