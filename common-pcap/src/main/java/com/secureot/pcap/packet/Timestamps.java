package com.secureot.pcap.packet;

/**
 * A packet's timestamp as the project carries it: the record's seconds and its sub-second field
 * as the source had it (the "fraction": microseconds, or nanoseconds when the source's precision
 * is nano), never an epoch-nanosecond long. A fraction out of its range (at least 10^6 us or
 * 10^9 ns, up to 0xFFFFFFFF, read unsigned) comes from odd writers; the files keep it as it came,
 * which one long of epoch nanoseconds could not (it would carry into the seconds). Wire formats
 * that carry epoch nanoseconds send such a timestamp in its {@link #fields} form instead, with a
 * flag that says so (docs/wire-formats.md).
 */
public final class Timestamps {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Timestamps() {
    }

    /** True when {@code fraction} (unsigned) is below one second in its unit. */
    public static boolean inRange(int fraction, boolean nano) {
        return Integer.compareUnsigned(fraction, nano ? 1_000_000_000 : 1_000_000) < 0;
    }

    /**
     * Nanoseconds since the epoch, exact for an in-range fraction; an out-of-range one counts as
     * the last nanosecond of its second, so that pacing and ages follow the seconds field.
     */
    public static long epochNanos(long sec, int fraction, boolean nano) {
        long f = fraction & 0xFFFFFFFFL;
        long ns = nano ? f : f * 1000;
        return sec * NANOS_PER_SECOND + Math.min(ns, NANOS_PER_SECOND - 1);
    }

    /**
     * The fraction in the other unit, for a stream of one precision fed packets of the other (a
     * replay of files of both): nanoseconds to microseconds truncates; an out-of-range
     * microsecond fraction becomes nanoseconds as far as 32 bits hold it.
     */
    public static int convert(int fraction, boolean fromNano, boolean toNano) {
        if (fromNano == toNano) {
            return fraction;
        }
        long f = fraction & 0xFFFFFFFFL;
        return (int) (fromNano ? f / 1000 : Math.min(f * 1000, 0xFFFFFFFFL));
    }

    /** The seconds of an epoch-nanosecond value. */
    public static long seconds(long epochNanos) {
        return Math.floorDiv(epochNanos, NANOS_PER_SECOND);
    }

    /** The fraction in the unit of {@code nano} of an epoch-nanosecond value. */
    public static int fraction(long epochNanos, boolean nano) {
        long ns = Math.floorMod(epochNanos, NANOS_PER_SECOND);
        return (int) (nano ? ns : ns / 1000);
    }

    /**
     * The timestamp's two record fields in one long: seconds (their low 32 bits, as a pcap
     * record has them) high, the fraction as it came low.
     */
    public static long fields(long sec, int fraction) {
        return (sec << 32) | (fraction & 0xFFFFFFFFL);
    }

    /** The seconds of a {@link #fields} value. */
    public static long fieldsSeconds(long fields) {
        return fields >>> 32;
    }

    /** The fraction of a {@link #fields} value. */
    public static int fieldsFraction(long fields) {
        return (int) fields;
    }
}
