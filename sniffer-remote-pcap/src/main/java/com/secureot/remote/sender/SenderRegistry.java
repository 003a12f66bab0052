package com.secureot.remote.sender;

import com.secureot.pcap.route.IpPrefix;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The senders seen so far, by address, and the allow-list. Bounded: past {@link #MAX_SENDERS}
 * addresses a new sender still gets a {@link Sender} (its packets are routed and stored as
 * usual) but it is not kept, so its per-sender counters are not reported; the count of such
 * senders is.
 */
public final class SenderRegistry {
    public static final int MAX_SENDERS = 4096;

    private final ConcurrentHashMap<InetAddress, Sender> senders = new ConcurrentHashMap<>();
    /** Senders verified by TLS, by certificate name: one identity whatever address it connects from. */
    private final ConcurrentHashMap<String, Sender> named = new ConcurrentHashMap<>();
    private final IpPrefix[] allowed;
    /** Senders not tracked because the registry was full. */
    public final AtomicLong untracked = new AtomicLong();

    public SenderRegistry(List<IpPrefix> allowed) {
        this.allowed = allowed.toArray(new IpPrefix[0]);
    }

    /** The sender of {@code address}, created on first sight. */
    public Sender of(InetAddress address) {
        Sender s = senders.get(address);
        if (s != null) {
            return s;
        }
        if (senders.size() >= MAX_SENDERS) {
            untracked.incrementAndGet();
            return new Sender(address);
        }
        return senders.computeIfAbsent(address, Sender::new);
    }

    /** The sender with the verified certificate name {@code certName}, created on first sight at {@code address}. */
    public Sender named(InetAddress address, String certName) {
        Sender s = named.get(certName);
        if (s != null) {
            return s;
        }
        if (senders.size() + named.size() >= MAX_SENDERS) {
            untracked.incrementAndGet();
            return new Sender(address, certName);
        }
        return named.computeIfAbsent(certName, n -> new Sender(address, n));
    }

    /** True when the allow-list is empty or holds the sender. */
    public boolean allowed(Sender s) {
        if (allowed.length == 0) {
            return true;
        }
        for (IpPrefix p : allowed) {
            if (s.isV4() ? p.matchesV4(s.v4Address()) : p.matchesV6(s.v6High(), s.v6Low())) {
                return true;
            }
        }
        return false;
    }

    /** The tracked senders, by name. */
    public List<Sender> snapshot() {
        List<Sender> out = new ArrayList<>(senders.values());
        out.addAll(named.values());
        out.sort(Comparator.comparing(Sender::fileName));
        return out;
    }
}
