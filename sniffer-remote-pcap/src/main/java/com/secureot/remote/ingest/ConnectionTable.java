package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who holds the collector's TCP slots: the global cap ({@code limits.max_connections}), the cap
 * per source address, and the slots kept for identified senders. A connection is pending until it
 * shows who it is (a valid pcap header, or a verified TLS certificate); at the cap the oldest
 * pending one is evicted for a newcomer, so idle or half-open connections cannot lock sensors out.
 * Connections from anyone (plaintext when {@code allowed_senders} is empty) may not take the
 * reserved slots. Shared by every event loop: accept rates are thousands a second, not millions,
 * so one lock is enough.
 */
final class ConnectionTable {
    /** A connection as the table sees it; its slot fields are written under the table's lock only. */
    abstract static class Member {
        private InetAddress slot;
        private boolean anonymous;

        boolean anonymous() {
            return anonymous;
        }

        /** Closes the connection after the table gave its slot to a newcomer: from any thread. */
        abstract void evict(String newcomer);
    }

    private final int max;
    private final int perAddress;
    private final int anonymousMax;
    private final Map<InetAddress, int[]> byAddress = new HashMap<>();
    /** Connections not yet identified, oldest first: the ones evicted at the cap. */
    private final LinkedHashSet<Member> pending = new LinkedHashSet<>();
    private final AtomicLong active;
    private int open;
    private int anonymous;

    /**
     * @param reserved slots anonymous connections cannot take (0 when no connection can be
     *                 identified beyond them: no TLS port)
     */
    ConnectionTable(int max, int perAddress, int reserved, AtomicLong active) {
        this.active = active;
        this.max = max;
        this.perAddress = perAddress;
        this.anonymousMax = max - reserved;
    }

    /** The outcome of an accept: refused (with its reason), or admitted, maybe at the cost of a victim. */
    record Admission(RejectReason refused, String detail, Member victim) {
        boolean admitted() {
            return refused == null;
        }
    }

    synchronized Admission admit(Member s, InetAddress address, boolean anonymous) {
        int[] fromAddress = byAddress.get(address);
        if (fromAddress != null && fromAddress[0] >= perAddress) {
            return new Admission(RejectReason.TOO_MANY_FROM_ADDRESS, perAddress + " connections from this address "
                    + "already open (limits.max_connections_per_address)", null);
        }
        Member victim = null;
        boolean anonymousFull = anonymous && this.anonymous >= anonymousMax;
        if (open >= max || anonymousFull) {
            // Only an anonymous victim frees a slot an anonymous newcomer may take.
            victim = oldestPending(anonymousFull);
            if (victim == null) {
                return new Admission(RejectReason.TOO_MANY_CONNECTIONS, open >= max
                        ? max + " connections already open (limits.max_connections)"
                        : anonymousMax + " connections from unidentified senders already open (limits.max_connections "
                        + "less limits.reserved_connections)", null);
            }
            remove(victim);
        }
        open++;
        active.incrementAndGet();
        if (anonymous) {
            this.anonymous++;
        }
        s.slot = address;
        s.anonymous = anonymous;
        byAddress.computeIfAbsent(address, a -> new int[1])[0]++;
        pending.add(s);
        return new Admission(null, null, victim);
    }

    private Member oldestPending(boolean anonymousOnly) {
        Iterator<Member> it = pending.iterator();
        while (it.hasNext()) {
            Member p = it.next();
            if (!anonymousOnly || p.anonymous()) {
                return p;
            }
        }
        return null;
    }

    /** The connection showed who it is: it is no longer evicted for a newcomer. */
    synchronized void identified(Member s) {
        pending.remove(s);
    }

    /** Frees the connection's slot; safe to call twice (an evicted connection is removed at once, then ends). */
    synchronized void remove(Member s) {
        InetAddress a = s.slot;
        if (a == null) {
            return;
        }
        s.slot = null;
        pending.remove(s);
        open--;
        active.decrementAndGet();
        if (s.anonymous()) {
            anonymous--;
        }
        int[] n = byAddress.get(a);
        if (n != null && --n[0] == 0) {
            byAddress.remove(a);
        }
    }

    synchronized int open() {
        return open;
    }
}
