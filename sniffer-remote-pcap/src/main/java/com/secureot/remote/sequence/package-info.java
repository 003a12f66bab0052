/**
 * Sequence numbers a collector has stored, as ranges: shared by SOT2 streams and Kafka partitions
 * to tell a packet sent again (a duplicate) from one not stored yet.
 */
package com.secureot.remote.sequence;
