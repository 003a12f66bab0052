package com.secureot.remote.ingest;

import com.secureot.pcap.metrics.RejectReason;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableTest {
    static final class Conn extends ConnectionTable.Member {
        final List<String> evictedFor = new ArrayList<>();

        @Override
        void evict(String newcomer) {
            evictedFor.add(newcomer);
        }
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    final AtomicLong active = new AtomicLong();

    @Test
    void atTheCapTheOldestUnidentifiedConnectionMakesRoomAndIdentifiedOnesStay() throws Exception {
        ConnectionTable t = new ConnectionTable(3, 10, 0, active);
        Conn sensor = new Conn();
        Conn idle1 = new Conn();
        Conn idle2 = new Conn();
        assertTrue(t.admit(sensor, ip("10.0.0.1"), true).admitted());
        t.identified(sensor);
        assertTrue(t.admit(idle1, ip("10.0.0.2"), true).admitted());
        assertTrue(t.admit(idle2, ip("10.0.0.2"), true).admitted());
        ConnectionTable.Admission a = t.admit(new Conn(), ip("10.0.0.3"), true);
        assertTrue(a.admitted());
        assertSame(idle1, a.victim(), "the oldest pending one");
        assertEquals(3, t.open());
        assertEquals(3, active.get());
        t.remove(idle1); // the victim ends later: its slot is not freed twice
        assertEquals(3, t.open());
    }

    @Test
    void whenEverySlotIsIdentifiedTheNewcomerIsRefused() throws Exception {
        ConnectionTable t = new ConnectionTable(2, 10, 0, active);
        for (int i = 0; i < 2; i++) {
            Conn c = new Conn();
            t.admit(c, ip("10.0.0.1"), true);
            t.identified(c);
        }
        ConnectionTable.Admission a = t.admit(new Conn(), ip("10.0.0.9"), true);
        assertEquals(RejectReason.TOO_MANY_CONNECTIONS, a.refused());
        assertEquals("2 connections already open (limits.max_connections)", a.detail());
        assertNull(a.victim());
    }

    @Test
    void oneAddressCannotTakeMoreThanItsShare() throws Exception {
        ConnectionTable t = new ConnectionTable(100, 2, 0, active);
        Conn first = new Conn();
        t.admit(first, ip("10.0.0.1"), true);
        t.admit(new Conn(), ip("10.0.0.1"), true);
        assertEquals(RejectReason.TOO_MANY_FROM_ADDRESS, t.admit(new Conn(), ip("10.0.0.1"), true).refused());
        assertTrue(t.admit(new Conn(), ip("10.0.0.2"), true).admitted(), "another address is not affected");
        t.remove(first);
        assertTrue(t.admit(new Conn(), ip("10.0.0.1"), true).admitted(), "a freed slot serves the address again");
    }

    @Test
    void anonymousConnectionsLeaveTheReservedSlotsToIdentifiedOnes() throws Exception {
        ConnectionTable t = new ConnectionTable(4, 10, 2, active);
        Conn a1 = new Conn();
        Conn a2 = new Conn();
        t.admit(a1, ip("10.0.0.1"), true);
        t.identified(a1);
        t.admit(a2, ip("10.0.0.2"), true);
        t.identified(a2);
        ConnectionTable.Admission third = t.admit(new Conn(), ip("10.0.0.3"), true);
        assertEquals(RejectReason.TOO_MANY_CONNECTIONS, third.refused(), "an anonymous one may not take a reserved slot");
        assertTrue(t.admit(new Conn(), ip("10.0.0.4"), false).admitted(), "a TLS connection may");
        Conn tls = new Conn();
        assertTrue(t.admit(tls, ip("10.0.0.5"), false).admitted());
        assertEquals(4, t.open());
    }
}
