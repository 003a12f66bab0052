/** Forwarding wire formats shared by the forwarder and the collector (see docs/wire-formats.md). */
package com.secureot.pcap.wire;
