/** The {@code sniffer-span-pcap} daemon: command line over the common capture runner. */
package com.secureot.span;
