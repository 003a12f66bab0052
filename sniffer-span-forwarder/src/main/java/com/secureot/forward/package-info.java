/**
 * The {@code sniffer-span-forwarder} daemon: the capture of {@code sniffer-span-pcap} plus a
 * sender thread that streams every packet to a collector (docs/wire-formats.md).
 */
package com.secureot.forward;
