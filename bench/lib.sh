# Shared by the bench scripts, sourced after they `cd` to the repository root and set WORK.
# shellcheck shell=bash

JAVA=${JAVA:-java}
# The packaged launchers' JVM options (packaging/src/bin/secureot-launcher) unless told otherwise.
JAVA_OPTS=${JAVA_OPTS:--XX:MaxRAMPercentage=25.0 -XX:InitialRAMPercentage=2.0 -Xss512k -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}
java_major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')

# Where a run writes. As root, fresh_fs makes it a new ext4 (a loop-mounted sparse image) before
# each run: a folder where earlier runs created and deleted tens of thousands of files makes
# ext4's inode allocator scan for free inodes (perf: recently_deleted), which would time the
# benchmark's own history rather than the tools. Inode tables are initialised at once, so that
# ext4lazyinit does not run during the measurement. Not root: an emptied folder.
FS="$WORK/fs"
fresh_fs() {
  if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 > /dev/null; then
    drop_fs
    mkdir -p "$FS"
    truncate -s 8G "$WORK/fs.img"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$WORK/fs.img" && mount -o loop "$WORK/fs.img" "$FS"
  else
    rm -rf "$FS"; mkdir -p "$FS"
  fi
  sync
}
drop_fs() {
  if mountpoint -q "$FS"; then umount "$FS"; fi
  rm -f "$WORK/fs.img"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# The start-up cache the packaged launcher keeps per daemon, recorded by the daemon's first run:
# Java 25+ an ahead-of-time cache (JEP 483/514/515), Java 13-24 a dynamic class-data-sharing
# archive. AOT=0 turns them off.
#   startup_cache_enabled && startup_cache NAME record|use   -> the JVM options
startup_cache_enabled() { [ "${java_major:-0}" -ge 13 ] && [ "${AOT:-1}" = 1 ]; }
startup_cache() {
  if [ "$java_major" -ge 25 ]; then
    if [ "$2" = record ]; then echo "-XX:AOTCacheOutput=$WORK/$1.aot -Xlog:aot=off -Xlog:cds=off"
    else echo "-XX:AOTCache=$WORK/$1.aot -Xlog:aot=off -Xlog:cds=off"; fi
  else
    if [ "$2" = record ]; then echo "-XX:ArchiveClassesAtExit=$WORK/$1.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
    else echo "-XX:SharedArchiveFile=$WORK/$1.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"; fi
  fi
}
startup_cache_name() {
  if [ "$java_major" -ge 25 ]; then echo "ahead-of-time cache"; else echo "class-data-sharing archive"; fi
}
# The training input of the recording runs: 200 000 packets, 50 hosts, 1 hour.
training_input() {
  [ -f "$WORK/train.pcap" ] || "$JAVA" -cp sniffer-span-pcap/target/sniffer-span-pcap.jar \
    com.secureot.pcap.tools.TrafficGenerator --packets 200000 --hosts 50 --hours 1 --seed 7 "$WORK/train.pcap" 2> /dev/null
  echo "$WORK/train.pcap"
}
