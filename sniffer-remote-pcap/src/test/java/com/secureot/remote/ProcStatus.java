package com.secureot.remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident memory, thread count and CPU time as Linux's /proc reports them. */
record ProcStatus(long residentBytes, int threads, double cpuSeconds) {
    /** Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on every Linux architecture. */
    private static final double TICKS = 100.0;

    static ProcStatus of(long pid) throws IOException {
        long rss = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.replaceAll("\\D", ""));
            }
        }
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name, which is in parentheses and may hold spaces: utime is 14th, stime 15th.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
        return new ProcStatus(rss, threads, cpu);
    }
}
