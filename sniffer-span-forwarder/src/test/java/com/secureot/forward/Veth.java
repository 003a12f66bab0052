package com.secureot.forward;

/** A veth pair for one test: inject on {@code a}, capture on {@code b}; IPv6 off so the kernel stays silent. */
final class Veth implements AutoCloseable {
    final String a;
    final String b;

    Veth(String a, String b) throws Exception {
        this.a = a;
        this.b = b;
        new ProcessBuilder("ip", "link", "del", a).start().waitFor();
        Fixtures.run("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        for (String i : new String[] {a, b}) {
            Fixtures.run("sysctl", "-qw", "net.ipv6.conf." + i + ".disable_ipv6=1");
            Fixtures.run("ip", "link", "set", i, "up");
        }
    }

    void inject(java.nio.file.Path capture) throws Exception {
        Fixtures.run("tcpreplay", "-q", "-i", a, "--topspeed", capture.toString());
    }

    @Override
    public void close() throws Exception {
        new ProcessBuilder("ip", "link", "del", a).start().waitFor();
    }
}
