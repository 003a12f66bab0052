/** What the daemons share above the library: exit codes, signals, the capture runner, the command line. */
package com.secureot.pcap.daemon;
