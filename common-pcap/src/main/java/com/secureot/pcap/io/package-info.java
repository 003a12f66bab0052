/** Reading and writing pcap/pcapng byte streams, in pure Java. */
package com.secureot.pcap.io;
