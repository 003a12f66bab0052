/** Command-line tools shipped in the jars: a synthetic traffic generator for samples and benchmarks. */
package com.secureot.pcap.tools;
