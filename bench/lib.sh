# Shared by the bench scripts, sourced after they `cd` to the repository root.
# shellcheck shell=bash

WORK=${BENCH_DIR:-/tmp/secureot-bench}
mkdir -p "$WORK"
SPAN=sniffer-span-pcap/target/sniffer-span-pcap.jar
FWD=sniffer-span-forwarder/target/sniffer-span-forwarder.jar
COL=sniffer-remote-pcap/target/sniffer-remote-pcap.jar
# The daemon jars, built when one is missing.
need_jars() { [ -f "$SPAN" ] && [ -f "$FWD" ] && [ -f "$COL" ] || mvn -B -q package -DskipTests; }

JAVA=${JAVA:-java}
# The packaged launcher's JVM options unless told otherwise: its default_opts= line, evaluated here
# (one place to change them).
JAVA_OPTS=${JAVA_OPTS:-$(eval "$(sed -n '/^default_opts=/p' packaging/src/bin/secureot-launcher)"
  echo "$default_opts")}
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
    truncate -s "${FS_SIZE:-8G}" "$WORK/fs.img"
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

# (%.10g: awk's default %.6g would print a mean of two rates as 1.27115e+06, which bc cannot read)
median() { sort -g | awk '{a[NR]=$1} END {printf "%.10g\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# cpu PID: user + system seconds the process has used so far (its threads included)
cpu() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"; }

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
  [ -f "$WORK/train.pcap" ] || generate "$WORK/train.pcap" 200000 50 1 --seed 7 2> /dev/null
  echo "$WORK/train.pcap"
}

# Three whole clock hours for the inputs, as the issue's (200 hosts x 3 hours = 600 files):
# starting 22:00:00 UTC rather than the generator's default 22:13:20, which spans four hours.
START=1699999200
# generate FILE PACKETS HOSTS HOURS [generator options]: Ethernet/IPv4/TCP, 60-1000 bytes, from
# START; kept when FILE exists.
generate() {
  local file=$1 packets=$2 hosts=$3 hours=$4
  shift 4
  [ -f "$file" ] || "$JAVA" -cp "$SPAN" com.secureot.pcap.tools.TrafficGenerator --packets "$packets" \
    --hosts "$hosts" --hours "$hours" --start "$START" "$@" "$file"
}

# span_config FILE OUT-DIR: sniffer-span-pcap's configuration of every benchmark (one file per
# source address, UTC hours); callers append blocks of their own.
span_config() {
  cat > "$1" <<YAML
capture:
  interface: "unused"
routing_rules: []
default_output_prefix: "host_{src_ip}"
output_directories:
  pcap_raw_output_path: "$2"
rotation:
  timezone: "UTC"
YAML
}

# start_collector CONFIG LOG [JVM_OPTS] [READY_TEXT]: the collector in the background (its pid in
# col_pid, its log in LOG), with the launcher's JVM options by default; with READY_TEXT, returns
# once its log holds that line (up to 30 s). stop_collector: SIGTERM, then waits for its end.
start_collector() {
  "$JAVA" ${3:-$JAVA_OPTS} -jar "$COL" "$1" > /dev/null 2> "$2" &
  col_pid=$!
  [ -z "${4:-}" ] && return 0
  for _ in $(seq 300); do grep -q "$4" "$2" && return 0; sleep 0.1; done
  echo "the collector did not log \"$4\" within 30 s:" >&2; tail "$2" >&2; return 1
}
stop_collector() { kill -TERM "$col_pid"; wait "$col_pid" || true; col_pid=; }

# figure LOG NAME: the last NAME=<n> of a daemon's log (its final summary line).
figure() { grep -o " $2=[0-9]*" "$1" | tail -1 | cut -d= -f2; }

# machine [load]: the line naming the machine (and its load average) above a benchmark's figures.
machine() {
  local load=
  [ "${1:-}" = load ] && load=", load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)$load, $("$JAVA" -version 2>&1 | head -1)"
}
