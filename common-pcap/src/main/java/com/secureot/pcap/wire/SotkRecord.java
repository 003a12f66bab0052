package com.secureot.pcap.wire;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The SOTK record (docs/wire-formats.md): the value of one Kafka record, a batch of captured
 * packets of one sensor run, big-endian,
 * <pre>
 *  0  magic          u32  0x534F544B ("SOTK")
 *  4  version        u8   1
 *  5  flags          u8   bit 0: the source had nanosecond timestamps (else microsecond:
 *                          the collector's files keep it); bit 1: every ts_ns is the record's
 *                          fields (seconds high, fraction as it came low: see {@link #FLAG_FIELDS});
 *                          a reader rejects other bits
 *  6  linktype       u16  LINKTYPE_ of every packet of the record
 *  8  snaplen        u32  the capture's snaplen (the collector's file header)
 * 12  stream_epoch   u64  identifies the sensor's run: nanoseconds since the epoch at its start
 * 20  first_sequence u64  sequence number of the first packet: 0, 1, 2... per run, no gaps
 * 28  count          u32  packets in the record, 1..MAX_PACKETS
 * 32  sensor_id_len  u8   1..64
 * 33  sensor_id      UTF-8, [A-Za-z0-9][A-Za-z0-9._-]*
 *  .. count times:   ts_ns u64, orig_len u32, cap_len u32, cap_len bytes
 * </pre>
 * The record ends exactly after the last packet. The Kafka key is the sensor id (UTF-8), so
 * that a sensor's records stay in order in one partition.
 */
public final class SotkRecord {
    public static final int MAGIC = 0x534F544B;
    public static final int VERSION = 1;
    /** Flag: the packets' source had nanosecond timestamps. */
    public static final int FLAG_NANO = 1;
    /**
     * Flag: every packet's timestamp is its seconds and sub-second field as they came
     * ({@link com.secureot.pcap.packet.Timestamps#fields}), not epoch nanoseconds; a sensor sends
     * packets whose fraction is out of range in records of their own with it.
     */
    public static final int FLAG_FIELDS = 2;
    /** Bytes before the sensor id. */
    public static final int FIXED_HEADER_BYTES = 33;
    public static final int PACKET_HEADER_BYTES = 16;
    public static final int MAX_PACKETS = 65_536;
    /** Largest captured length of one packet (the largest snaplen libpcap uses). */
    public static final int MAX_CAPLEN = 262_144;
    /** Largest record a reader accepts (the producer's default max.request.size is 1 MiB). */
    public static final int MAX_RECORD_BYTES = 16 << 20;
    public static final int MAX_SENSOR_ID_BYTES = 64;
    private static final Pattern SENSOR_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private SotkRecord() {
    }

    /**
     * Null when {@code id} can name a sensor (it becomes part of file names on the collector),
     * else what is wrong with it.
     */
    public static String sensorIdProblem(String id) {
        if (id == null || !SENSOR_ID.matcher(id).matches()) {
            return "\"" + id + "\" is not a sensor id (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)";
        }
        return null;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
