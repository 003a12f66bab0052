/** The {@code sniffer-remote-pcap} collector: command line, daemon runner and summary lines. */
package com.secureot.remote;
