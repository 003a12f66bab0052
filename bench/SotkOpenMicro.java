// The SOTK check walk (SotkRecordReader.open) on records that are not in the cache, as the Kafka
// collector meets them: 48 records of about 1 MiB (packets of 60-1000 bytes, like the generator's)
// in one array, a 96 MiB array written over every 8 records (a fetch's worth) to push them out of
// the caches. Prints the nanoseconds per packet of open() for 15 rounds (the last ones compiled).
//   java -cp sniffer-remote-pcap/target/sniffer-remote-pcap.jar bench/SotkOpenMicro.java
// (with an older jar instead, the same for that version: run each twice, alternating.)
import com.secureot.pcap.wire.SotkRecordReader;
import com.secureot.pcap.wire.SotkRecordWriter;

import java.util.Random;

public class SotkOpenMicro {
    public static void main(String[] args) {
        int records = 48;
        Random rnd = new Random(1);
        byte[] payload = new byte[1500];
        SotkRecordWriter w = new SotkRecordWriter("bench-1", 1L, 0, 1 << 20);
        byte[][] recs = new byte[records][];
        int total = 0;
        for (int i = 0; i < records; i++) {
            w.start(1, 65535, false);
            for (int len = 60 + rnd.nextInt(941); w.fits(len); len = 60 + rnd.nextInt(941)) {
                w.add(1_700_000_000L, 0, len, payload, 0, len);
            }
            recs[i] = w.finish();
            total += recs[i].length;
        }
        byte[] fetch = new byte[total];
        int[] offset = new int[records];
        for (int i = 0, at = 0; i < records; at += recs[i].length, i++) {
            offset[i] = at;
            System.arraycopy(recs[i], 0, fetch, at, recs[i].length);
        }
        byte[] evict = new byte[96 << 20];
        SotkRecordReader reader = new SotkRecordReader();
        for (int round = 0; round < 15; round++) {
            long nanos = 0;
            long packets = 0;
            for (int i = 0; i < records; i++) {
                if (i % 8 == 0) {
                    for (int k = 0; k < evict.length; k += 64) {
                        evict[k]++;
                    }
                }
                long t0 = System.nanoTime();
                String problem = reader.open(fetch, offset[i], recs[i].length);
                nanos += System.nanoTime() - t0;
                if (problem != null) {
                    throw new IllegalStateException(problem);
                }
                packets += reader.count();
            }
            System.out.printf("round %d: %.1f ns a packet (open, records out of the cache)%n", round,
                    (double) nanos / packets);
        }
    }
}
