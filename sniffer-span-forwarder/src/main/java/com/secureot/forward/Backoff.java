package com.secureot.forward;

/**
 * Capped exponential back-off between connection attempts: {@code min}, 2 × min, 4 × min...
 * up to {@code max}, back to {@code min} after a success. A collector that is down is then asked
 * at most once per {@code max}, and one that blinks is back within {@code min}.
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;
    private long nextMillis;

    Backoff(long minMillis, long maxMillis) {
        if (minMillis <= 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("min/max: " + minMillis + "/" + maxMillis
                    + " (expected: 0 < min <= max)");
        }
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.nextMillis = minMillis;
    }

    /** The wait before the next attempt; each call doubles the following one, up to the cap. */
    long next() {
        long w = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return w;
    }

    void reset() {
        nextMillis = minMillis;
    }
}
