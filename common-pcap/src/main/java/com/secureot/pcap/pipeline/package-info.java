/** The threads between a packet source and its consumers: pooled batches, queues, workers. */
package com.secureot.pcap.pipeline;
