/*
 * The file-system work of a routed replay without the replay: creates FILES files in DIR (named
 * like the store's), writes BYTES into each in CHUNK-byte writes, closes them, and prints the CPU
 * time it took. What no writer of these files can save, whatever its language; docs/performance.md
 * (section 4) compares it with the daemon.
 *   gcc -O2 -o /tmp/fs-floor bench/fs-floor.c
 *   /tmp/fs-floor DIR 612 1783000 65536      # 200 hosts x 3 hours: 1 GB in 612 files
 *   /tmp/fs-floor DIR 30012 36360 16384      # 10 000 hosts x 3 hours: 1 GB in 30 012 files
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: fs-floor DIR FILES BYTES CHUNK\n");
        return 64;
    }
    const char *dir = argv[1];
    int files = atoi(argv[2]);
    long bytes = atol(argv[3]);
    int chunk = atoi(argv[4]);
    char *buf = malloc(chunk);
    memset(buf, 0xab, chunk);
    char path[4096];
    for (int i = 0; i < files; i++) {
        int host = i / 3;
        snprintf(path, sizeof path, "%s/host_10.%d.%d.%d_20231114_%02d.pcap", dir, host >> 16 & 255, host >> 8 & 255,
                 host & 255, 21 + i % 3);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        for (long left = bytes; left > 0; left -= chunk) {
            if (write(fd, buf, left < chunk ? left : chunk) < 0) {
                perror(path);
                return 1;
            }
        }
        close(fd);
    }
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("%d files x %ld bytes in %d-byte writes: user %.2f s, sys %.2f s\n", files, bytes, chunk,
           u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6, u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6);
    return 0;
}
