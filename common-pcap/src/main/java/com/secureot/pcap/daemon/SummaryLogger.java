package com.secureot.pcap.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/** Logs the counters' summary line at INFO on a period, on its own daemon thread. */
public final class SummaryLogger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("summary");
    private final Thread thread;

    public SummaryLogger(int periodSeconds, Supplier<String> summary) {
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(periodSeconds * 1000L);
                    log.info("{}", summary.get());
                }
            } catch (InterruptedException e) {
                // closing
            }
        }, "summary");
        thread.setDaemon(true);
        if (periodSeconds > 0) {
            thread.start();
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
