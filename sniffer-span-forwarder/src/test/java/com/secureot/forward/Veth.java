package com.secureot.forward;

import com.secureot.pcap.testing.DaemonRun;

/** A veth pair for one test: inject on {@code a}, capture on {@code b}; IPv6 off so the kernel stays silent. */
final class Veth implements AutoCloseable {
    final String a;
    final String b;

    Veth(String a, String b) throws Exception {
        this.a = a;
        this.b = b;
        new ProcessBuilder("ip", "link", "del", a).start().waitFor();
        DaemonRun.command("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        for (String i : new String[] {a, b}) {
            DaemonRun.command("sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
            DaemonRun.command("ip", "link", "set", i, "up");
        }
    }

    void inject(java.nio.file.Path capture) throws Exception {
        DaemonRun.command("tcpreplay", "-q", "-i", a, "--topspeed", capture.toString());
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("ip", "link", "del", a).start().waitFor();
    }
}
