package com.secureot.pcap.pipeline;

import com.secureot.pcap.route.PacketRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A daemon's pieces between its sources and its files: the sources (capture, replay, receivers),
 * the writer threads with their stores, and optional further consumers (the forwarder). It
 * learns of any worker thread's failure and then stops the sources, so that the daemon ends
 * (exit 70) rather than run on with a share of the traffic stored nowhere; and on every exit path
 * (end of a replay, SIGTERM, an error of a source, a failure) {@link #close} stops the sources
 * first and then drains, flushes and closes the workers, in the order of the data flow.
 */
public final class Pipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final StoreWorkers stores;
    private final List<ConsumerWorker> workers;
    private final List<AutoCloseable> sources = new ArrayList<>();
    private final List<Runnable> stopActions = new CopyOnWriteArrayList<>();
    private volatile Throwable failure;
    private boolean started;
    private boolean closed;

    /** @param others consumers after the stores (the forwarder), each on its own worker */
    public Pipeline(StoreWorkers stores, List<ConsumerWorker> others) {
        this.stores = stores;
        List<ConsumerWorker> all = new ArrayList<>(stores.workers());
        all.addAll(others);
        this.workers = List.copyOf(all);
        for (ConsumerWorker w : workers) {
            w.onFailure(this::failed);
        }
    }

    public Pipeline(StoreWorkers stores) {
        this(stores, List.of());
    }

    /** Every worker, the stores first: what a publisher hands its batches to. */
    public List<ConsumerWorker> workers() {
        return workers;
    }

    /** A router for one publishing thread (see {@link BatchPublisher}): each source thread has its own. */
    public PacketRouter newRouter() {
        return stores.newRouter();
    }

    /** A source closed by {@link #close} before the workers (sources added later close first). */
    public void addSource(AutoCloseable source) {
        sources.add(source);
    }

    /** Runs {@code stop} when a worker fails (on the failing thread), to stop a source that runs on another. */
    public void onFailure(Runnable stop) {
        stopActions.add(stop);
        if (failure != null) {
            stop.run();
        }
    }

    public void start() {
        started = true;
        workers.forEach(ConsumerWorker::start);
    }

    /** The first error that stopped a worker, or null. */
    public Throwable failure() {
        if (failure != null) {
            return failure;
        }
        for (ConsumerWorker w : workers) {
            if (w.failure() != null) {
                return w.failure();
            }
        }
        return null;
    }

    private void failed(Throwable t) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = t;
        }
        for (Runnable r : stopActions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("stopping a source after a failure: {}", e.toString());
            }
        }
    }

    /**
     * Closes the sources (newest first), then each worker in the order of the data flow: each
     * drains its queue, flushes and closes its files. Safe to call twice; closes everything even
     * when a part fails, and rethrows the first failure with the others suppressed.
     */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (int i = sources.size() - 1; i >= 0; i--) {
            try {
                sources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing a source: " + e, e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (!started) {
            stores.closeUnstarted();
        } else {
            // The forwarder first (it may bound its drain), then the stores: as the daemons did.
            for (int i = workers.size() - 1; i >= 0; i--) {
                workers.get(i).close();
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
