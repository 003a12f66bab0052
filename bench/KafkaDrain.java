// The Kafka client alone, with the collector's consumer defaults (KafkaConsumerProperties: 8 MiB per
// partition, the kernel's receive buffer autotuning, the classic group protocol, values as views of
// the fetch buffer, CRCs checked) and nothing behind it: polls a new group from the topic's start
// until it has RECORDS records, touches nothing of them. bench/kafka.sh runs it with KAFKA_DRAIN=1,
// to tell the client's and the broker's ceiling on this machine from the collector's own work.
//   java -cp KAFKA_CLIENTS_CLASSPATH bench/KafkaDrain.java BOOTSTRAP TOPIC GROUP RECORDS [PROPERTY=VALUE...]
// Prints "drain: RECORDS records, BYTES bytes in SECONDS s" (from the first record to the last).
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

public class KafkaDrain {
    public static void main(String[] args) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(8 << 20));
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "-1");
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            p.put(kv[0], kv[1]);
        }
        long want = Long.parseLong(args[3]);
        long records = 0;
        long bytes = 0;
        long first = 0;
        try (KafkaConsumer<ByteBuffer, ByteBuffer> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(args[1]));
            while (records < want) {
                for (ConsumerRecord<ByteBuffer, ByteBuffer> r : c.poll(Duration.ofMillis(100))) {
                    if (records++ == 0) {
                        first = System.nanoTime();
                    }
                    bytes += r.value().remaining();
                }
            }
            System.out.printf("drain: %d records, %d bytes in %.2f s%n", records, bytes,
                    (System.nanoTime() - first) / 1e9);
        }
    }
}
