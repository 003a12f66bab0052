package com.secureot.remote.sequence;

import java.util.Arrays;

/**
 * A set of sequence numbers as sorted, disjoint, non-adjacent ranges: what a stream has stored
 * (or the sensor skipped). Live traffic and a backfill interleave two ranges, a record resent
 * behind its successor makes a short-lived third; more than {@link #MAX_RANGES} means a sensor
 * sends at random: SOT2 refuses it, Kafka forgets the lowest range ({@link #forgetLowest}).
 * Used by SOT2 streams and Kafka partitions; one owner thread.
 */
public final class SequenceRanges {
    public static final int MAX_RANGES = 64;
    private long[] lo = new long[4];
    private long[] hi = new long[4];
    private int n;

    public SequenceRanges copy() {
        SequenceRanges c = new SequenceRanges();
        c.lo = Arrays.copyOf(lo, Math.max(4, n));
        c.hi = Arrays.copyOf(hi, Math.max(4, n));
        c.n = n;
        return c;
    }

    public int size() {
        return n;
    }

    /** The highest sequence held, or 0. */
    public long max() {
        return n == 0 ? 0 : hi[n - 1];
    }

    /** The end of the range that starts at 1, or 0: every sequence up to it is held. */
    public long contiguous() {
        return n > 0 && lo[0] == 1 ? hi[0] : 0;
    }

    public boolean contains(long s) {
        if (n == 0 || s > hi[n - 1]) {
            return false; // the common case: the next live record
        }
        for (int i = n - 1; i >= 0; i--) {
            if (s >= lo[i]) {
                return s <= hi[i];
            }
        }
        return false;
    }

    /** How many of {@code [a, b]} are held already. */
    public long overlap(long a, long b) {
        long c = 0;
        for (int i = 0; i < n; i++) {
            long x = Math.max(a, lo[i]);
            long y = Math.min(b, hi[i]);
            if (x <= y) {
                c += y - x + 1;
            }
        }
        return c;
    }

    /** Adds {@code [a, b]}; false (and unchanged) when that would make more than MAX_RANGES ranges. */
    public boolean add(long a, long b) {
        if (a > b) {
            throw new IllegalArgumentException("range [" + a + ", " + b + "] (expected: a <= b)");
        }
        if (n > 0 && a > hi[n - 1] + 1) {
            if (n == MAX_RANGES) {
                return false;
            }
            grow();
            lo[n] = a;
            hi[n] = b;
            n++;
            return true;
        }
        if (n > 0 && a >= lo[n - 1] && a <= hi[n - 1] + 1) {
            hi[n - 1] = Math.max(hi[n - 1], b); // the common case: extends the last range
            return true;
        }
        long[] nl = new long[n + 1];
        long[] nh = new long[n + 1];
        int m = 0;
        boolean placed = false;
        for (int i = 0; i <= n; i++) {
            long x;
            long y;
            if (!placed && (i == n || a < lo[i])) {
                x = a;
                y = b;
                placed = true;
                i--;
            } else if (i < n) {
                x = lo[i];
                y = hi[i];
            } else {
                break;
            }
            if (m > 0 && x <= nh[m - 1] + 1) {
                nh[m - 1] = Math.max(nh[m - 1], y);
            } else {
                nl[m] = x;
                nh[m] = y;
                m++;
            }
        }
        if (m > MAX_RANGES) {
            return false;
        }
        lo = Arrays.copyOf(nl, Math.max(4, m));
        hi = Arrays.copyOf(nh, Math.max(4, m));
        n = m;
        return true;
    }

    /**
     * Forgets the lowest range (nothing when empty): room for {@link #add} when at
     * {@link #MAX_RANGES}. What it held then counts as not held (stored again if it comes again).
     */
    public void forgetLowest() {
        if (n == 0) {
            return;
        }
        System.arraycopy(lo, 1, lo, 0, n - 1);
        System.arraycopy(hi, 1, hi, 0, n - 1);
        n--;
    }

    private void grow() {
        if (n == lo.length) {
            lo = Arrays.copyOf(lo, n * 2);
            hi = Arrays.copyOf(hi, n * 2);
        }
    }

    /** {@code 1-500,700-900}; "-" when empty. */
    @Override
    public String toString() {
        if (n == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(lo[i]).append('-').append(hi[i]);
        }
        return sb.toString();
    }

    /** Reads {@link #toString}'s form back; a bad range (or a number below 0) throws NumberFormatException. */
    public static SequenceRanges parse(String s) {
        SequenceRanges r = new SequenceRanges();
        if (s.equals("-")) {
            return r;
        }
        for (String part : s.split(",")) {
            int d = part.indexOf('-');
            if (d <= 0) {
                throw new NumberFormatException("range " + part);
            }
            long a = Long.parseLong(part.substring(0, d));
            long b = Long.parseLong(part.substring(d + 1));
            if (a < 0 || b < a || !r.add(a, b)) {
                throw new NumberFormatException("range " + part);
            }
        }
        return r;
    }
}
