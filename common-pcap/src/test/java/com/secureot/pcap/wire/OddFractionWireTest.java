package com.secureot.pcap.wire;

import com.secureot.pcap.packet.Timestamps;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timestamp whose sub-second field is out of range (>= 10^6 us or 10^9 ns, up to 0xFFFFFFFF)
 * crosses every wire format with its seconds and fraction as they came, in both units; an
 * in-range one keeps the epoch-nanosecond encoding older peers read.
 */
class OddFractionWireTest {
    private static final int[] FRACTIONS = {0, 999_999, 1_000_000, 4_294_967, 4_294_968, 999_999_999, 1_000_000_000,
            0xFFFFFFFF};
    // Seconds above 2^31: the fields form's long is then negative, which must not be refused.
    private static final long[] SECONDS = {1_700_000_000L, 0xFFFFFFF0L};

    @Test
    void sot1CarriesEveryFractionAsItCame() {
        Sot1Key key = Sot1Key.of(1, "k", new byte[32]);
        HmacSha256 hmac = new HmacSha256();
        for (boolean nano : new boolean[] {false, true}) {
            for (long sec : SECONDS) {
                for (int f : FRACTIONS) {
                    for (boolean auth : new boolean[] {false, true}) {
                        ByteBuffer b = ByteBuffer.allocate(128);
                        if (auth) {
                            Sot1.putAuthenticatedHeader(b, 1, 7, sec, f, nano, 4, key.id(), 1);
                        } else {
                            Sot1.putHeader(b, 1, 7, sec, f, nano, 4);
                        }
                        b.put(new byte[] {1, 2, 3, 4});
                        int len = auth ? Sot1.seal(hmac, key, b.array(), b.position()) : b.position();
                        Sot1.Header h = Sot1.decode(b.array(), 0, len);
                        String what = (nano ? "ns " : "us ") + sec + "." + Integer.toUnsignedString(f);
                        assertNull(h.problem(), what);
                        assertEquals(auth, h.authenticated(), what);
                        assertEquals(sec, h.sec(), what);
                        if (Timestamps.inRange(f, nano)) {
                            // As before: epoch nanoseconds, stored in a nanosecond file.
                            assertEquals(0, h.flags() & Sot1.FLAG_FIELDS, what);
                            assertTrue(h.nano(), what);
                            assertEquals(nano ? f : f * 1000, h.fraction(), what);
                        } else {
                            assertEquals(Sot1.FLAG_FIELDS, h.flags() & Sot1.FLAG_FIELDS, what);
                            assertEquals(nano, h.nano(), what);
                            assertEquals(f, h.fraction(), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sot2CarriesEveryFractionAsItCame() throws Exception {
        for (boolean nano : new boolean[] {false, true}) {
            for (long sec : SECONDS) {
                ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
                Sot2.putHello(b, 1, "s");
                Sot2.putFrameHeader(b, Sot2.BATCH, Sot2.BATCH_HEADER_BYTES + FRACTIONS.length
                        * Sot2.RECORD_HEADER_BYTES);
                Sot2.putBatchHeader(b, 1, FRACTIONS.length, 65535);
                for (int f : FRACTIONS) {
                    Sot2.putRecordHeader(b, Sot2.recordTimestamp(sec, f, nano), 0, 0, 1, Sot2.recordFlags(f, nano));
                }
                List<long[]> got = new ArrayList<>();
                Sot2Decoder d = new Sot2Decoder(new Sot2Decoder.Handler() {
                    @Override
                    public void hello(int versionMin, int versionMax, long streamId, String sensorId) {
                    }

                    @Override
                    public void batch(long firstSequence, int count, int snaplen) {
                    }

                    @Override
                    public boolean room(int capLen) {
                        return true;
                    }

                    @Override
                    public void record(long sequence, long ts, int origLen, int linkType, int flags, int snaplen,
                                       byte[] data, int off, int capLen) {
                        got.add(new long[] {Sot2.recordSeconds(ts, flags), Sot2.recordFraction(ts, flags),
                                flags & Sot2.RECORD_NANO});
                    }

                    @Override
                    public void batchEnd() {
                    }

                    @Override
                    public void skip(long first, long last, int reason) {
                    }

                    @Override
                    public void keepalive() {
                    }
                }, 65535);
                assertEquals(b.position(), d.feed(b.array(), 0, b.position()));
                for (int i = 0; i < FRACTIONS.length; i++) {
                    String what = (nano ? "ns " : "us ") + sec + "." + Integer.toUnsignedString(FRACTIONS[i]);
                    assertEquals(sec, got.get(i)[0], what);
                    assertEquals(FRACTIONS[i], (int) got.get(i)[1], what);
                    assertEquals(nano ? 1 : 0, got.get(i)[2], what);
                }
            }
        }
    }

    @Test
    void sotkCarriesEveryFractionAsItCameInRecordsOfFields() {
        for (boolean nano : new boolean[] {false, true}) {
            for (boolean fields : new boolean[] {false, true}) {
                SotkRecordWriter w = new SotkRecordWriter("s1", 9, 0, 4096);
                w.start(1, 65535, nano, fields, w.nextSequence());
                List<Integer> sent = new ArrayList<>();
                for (int f : FRACTIONS) {
                    if (fields || Timestamps.inRange(f, nano)) {
                        w.add(SECONDS[1], f, 1, new byte[] {9}, 0, 1);
                        sent.add(f);
                    }
                }
                byte[] r = w.finish();
                SotkRecordReader reader = new SotkRecordReader();
                assertNull(reader.open(r, r.length));
                assertEquals(nano, reader.nano());
                for (int f : sent) {
                    assertTrue(reader.next());
                    assertEquals(SECONDS[1], reader.sec());
                    assertEquals(f, reader.fraction(), (nano ? "ns " : "us ") + Integer.toUnsignedString(f));
                }
            }
        }
    }

    @Test
    void epochNanosecondsOfAnOddFractionStayInItsSecond() {
        assertEquals(5_999_999_999L, Timestamps.epochNanos(5, 0xFFFFFFFF, false));
        assertEquals(5_999_999_999L, Timestamps.epochNanos(5, 1_000_000_000, true));
        assertEquals(5_999_999_999L, Timestamps.epochNanos(5, 999_999_999, true));
        assertEquals(5_000_999_999L, Timestamps.epochNanos(5, 999_999, true));
        assertEquals(5_999_999_000L, Timestamps.epochNanos(5, 999_999, false));
        assertEquals(0xFFFFFFFF, Timestamps.convert(4_294_968, false, true));
        assertEquals(4_294_967_000L & 0xFFFFFFFFL, Timestamps.convert(4_294_967, false, true) & 0xFFFFFFFFL);
        assertEquals(4_294_967, Timestamps.convert(0xFFFFFFFF, true, false));
    }
}
