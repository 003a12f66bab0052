/** Test helpers shared through the test-jar: captures built in code, an independent pcap reader, a fake clock, the documented configuration keys. */
package com.secureot.pcap.testing;
