/** Forwarders publishing to a real Apache Kafka broker, a group of collectors consuming from it. */
package com.secureot.e2e.kafka;
