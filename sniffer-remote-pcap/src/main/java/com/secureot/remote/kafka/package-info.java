/**
 * The collector as a member of a Kafka consumer group ({@code protocol: kafka}): SOTK records of
 * many sensors, stored per sensor id, offsets committed only once the records are in the files.
 */
package com.secureot.remote.kafka;
