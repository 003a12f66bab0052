package com.secureot.pcap.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns SIGTERM and SIGINT into an orderly stop: the source stops, queues drain, files are
 * flushed and closed, and the daemon exits 0. Handling the signals (rather than a shutdown hook)
 * is what lets the exit status be 0, which systemd counts as success.
 */
public final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private volatile boolean requested;

    /** Installs the handlers; call once per process. */
    public static Shutdown install() {
        Shutdown s = new Shutdown();
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), sig -> s.request("SIG" + name));
            } catch (IllegalArgumentException e) {
                log.debug("cannot handle SIG{}: {}", name, e.getMessage());
            }
        }
        return s;
    }

    /** A shutdown not tied to signals, for tests and embedding. */
    public static Shutdown manual() {
        return new Shutdown();
    }

    /** Runs {@code action} on shutdown, or at once if shutdown was already requested. */
    public void onStop(Runnable action) {
        actions.add(action);
        if (requested) {
            action.run();
        }
    }

    public void request(String why) {
        if (requested) {
            return;
        }
        requested = true;
        log.info("{} received: stopping, flushing and closing files", why);
        for (Runnable r : actions) {
            r.run();
        }
    }

    public boolean requested() {
        return requested;
    }
}
