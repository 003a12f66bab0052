package com.secureot.remote.sender;

import com.secureot.pcap.wire.Sot1Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequenceStateFileTest {
    private static final long E = 1_764_590_000_000_000L;

    private static Sensors sensors() {
        return new Sensors(List.of(Sot1Key.of(7, "probe-a", new byte[32]), Sot1Key.of(9, "probe-b", new byte[32])));
    }

    @Test
    void savedSequencesContinueAfterALoad(@TempDir Path dir) throws Exception {
        Sensors before = sensors();
        before.byKeyId(7).window().accept(E, 41);
        before.byKeyId(7).window().accept(E, 42);
        Map<SocketAddress, SequenceTracker> trackers = new HashMap<>();
        SequenceTracker t = new SequenceTracker();
        t.accept(99);
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("192.168.50.100"), 40123);
        trackers.put(v4, t);
        SequenceTracker t6 = new SequenceTracker();
        t6.accept(5);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("fd00::10"), 7);
        trackers.put(v6, t6);
        SequenceStateFile f = new SequenceStateFile(dir);
        f.save(before, trackers, true);
        assertFalse(Files.exists(dir.resolve(SequenceStateFile.NAME + ".tmp")), "the temporary file was renamed");
        assertTrue(Files.readString(f.path()).startsWith("sot1-state 1\nkey 7 " + E + " 42\nsource "));

        Sensors after = sensors();
        Map<SocketAddress, SequenceTracker> loaded = new HashMap<>();
        assertEquals(3, new SequenceStateFile(dir).load(after, loaded));
        ReplayWindow w = after.byKeyId(7).window();
        assertEquals(ReplayWindow.Result.DUPLICATE, w.accept(E, 42));
        assertEquals(ReplayWindow.Result.GAP, w.accept(E, 50));
        assertEquals(7, w.lastGap());
        assertFalse(after.byKeyId(9).window().started(), "a key never seen has no state");
        assertEquals(SequenceTracker.Result.GAP, loaded.get(v4).accept(103));
        assertEquals(3, loaded.get(v4).lastGap());
        assertEquals(SequenceTracker.Result.IN_ORDER, loaded.get(v6).accept(6));
    }

    @Test
    void aMissingOrForeignFileStartsFresh(@TempDir Path dir) throws Exception {
        Map<SocketAddress, SequenceTracker> loaded = new HashMap<>();
        assertEquals(0, new SequenceStateFile(dir).load(sensors(), loaded));
        Files.writeString(dir.resolve(SequenceStateFile.NAME), "something else\nkey 7 1 2\n");
        assertEquals(0, new SequenceStateFile(dir).load(sensors(), loaded));
        Files.writeString(dir.resolve(SequenceStateFile.NAME),
                "sot1-state 1\nkey 7 x 2\nkey 9 " + E + " 5\nsource 300.1.1.1 1 1\nkey 12 1 1\n");
        Sensors s = sensors();
        assertEquals(1, new SequenceStateFile(dir).load(s, loaded), "the good line only (key 12 is not configured)");
        assertTrue(s.byKeyId(9).window().started());
        assertTrue(loaded.isEmpty());
    }
}
