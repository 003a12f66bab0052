/** Command-line tools shipped in the jars: a synthetic traffic generator for samples and benchmarks, and a
 * summary of capture files (packets and time span per file). */
package com.secureot.pcap.tools;
