#!/usr/bin/env bash
# Benchmark 1 and 4 of docs/performance.md: offline routed replay against tcpdump.
#   bench/offline.sh [RUNS]      (default 5 alternating runs each; needs tcpdump, GNU time)
# Generates its inputs (2 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 3 hours; 200 hosts and
# 10 000 hosts), replays them with sniffer-span-pcap --read-file and default_output_prefix
# "host_{src_ip}", and `tcpdump -r IN -w OUT` into one file, alternating, on warm page cache.
# Prints wall time, packets/s and peak RSS of each, the median ratio, and the 10k/200 ratio.
# As root, each run writes into a freshly made ext4 file system (a loop-mounted sparse image):
# a folder where earlier runs created and deleted tens of thousands of files makes ext4's inode
# allocator scan for free inodes (measured with perf), which would time the benchmark's own
# history rather than the tools. Both tools get the same fresh file system; `sync` before each.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PACKETS=${PACKETS:-2000000}
WORK=${BENCH_DIR:-/tmp/secureot-bench}
JAR=sniffer-span-pcap/target/sniffer-span-pcap.jar
JAVA=${JAVA:-java}
# The packaged launchers' JVM options (packaging/src/bin/secureot-launcher) unless told otherwise.
JAVA_OPTS=${JAVA_OPTS:--XX:MaxRAMPercentage=25.0 -XX:InitialRAMPercentage=2.0 -Xss512k -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
mkdir -p "$WORK"

gen() { # hosts file
  [ -f "$2" ] || "$JAVA" -cp "$JAR" com.secureot.pcap.tools.TrafficGenerator --packets "$PACKETS" --hosts "$1" --hours 3 "$2"
}
gen 200 "$WORK/in-200.pcap"
gen 10000 "$WORK/in-10000.pcap"

config() { # out-dir
  cat > "$WORK/bench.yaml" <<YAML
capture:
  interface: "unused"
routing_rules: []
default_output_prefix: "host_{src_ip}"
output_directories:
  pcap_raw_output_path: "$1"
rotation:
  timezone: "UTC"
YAML
}

# run LABEL CMD... -> prints "wall rss" (seconds, KiB)
measure() {
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > /dev/null 2> "$WORK/stderr.txt" || {
    echo "FAILED: $*" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
  cat "$WORK/time.txt"
}

FS="$WORK/fs"
fresh_fs() { # prints the folder to write into
  if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 > /dev/null; then
    mountpoint -q "$FS" && umount "$FS"
    mkdir -p "$FS"
    rm -f "$WORK/fs.img"; truncate -s 8G "$WORK/fs.img"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$WORK/fs.img" && mount -o loop "$WORK/fs.img" "$FS"
  else
    rm -rf "$FS"; mkdir -p "$FS"
  fi
  sync
  echo "$FS"
}
trap 'mountpoint -q "$FS" && umount "$FS"; rm -f "$WORK/fs.img"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_case() { # hosts
  local in="$WORK/in-$1.pcap" ours=() theirs=() rss=0
  cat "$in" > /dev/null
  for i in $(seq "$RUNS"); do
    out=$(fresh_fs); config "$out/out"
    read -r w r < <(measure "$JAVA" $JAVA_OPTS -jar "$JAR" -r "$in" "$WORK/bench.yaml")
    ours+=("$w"); (( r > rss )) && rss=$r
    files=$(ls "$out/out" | wc -l)
    out=$(fresh_fs)
    read -r tw tr < <(measure tcpdump -r "$in" -w "$out/td.pcap")
    theirs+=("$tw")
  done
  local mo mt
  mo=$(printf '%s\n' "${ours[@]}" | median)
  mt=$(printf '%s\n' "${theirs[@]}" | median)
  printf '%-22s hosts=%-6s files=%-5s ours: %6.2f s %9.0f pkt/s peak RSS %4d MiB | tcpdump: %6.2f s %9.0f pkt/s | ratio %.2f\n' \
    "offline routed replay" "$1" "$files" "$mo" "$(echo "$PACKETS / $mo" | bc -l)" $((rss / 1024)) \
    "$mt" "$(echo "$PACKETS / $mt" | bc -l)" "$(echo "$mt / $mo" | bc -l)"
  echo "$mo" > "$WORK/median-$1"
}

# Start-up cache as the packaged launcher keeps one (recorded by a first run of the daemon, here a
# 200 000-packet training replay; AOT=0 turns it off): Java 25+ an ahead-of-time cache, Java 13-24
# a dynamic class-data-sharing archive.
java_major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
aot_note=
if [ "${java_major:-0}" -ge 13 ] && [ "${AOT:-1}" = 1 ]; then
  [ -f "$WORK/train.pcap" ] || "$JAVA" -cp "$JAR" com.secureot.pcap.tools.TrafficGenerator --packets 200000 --hosts 50 --hours 1 --seed 7 "$WORK/train.pcap" 2> /dev/null
  rm -f "$WORK/aot.aot" "$WORK/cds.jsa"; out=$(fresh_fs); config "$out/out"
  if [ "$java_major" -ge 25 ]; then
    record="-XX:AOTCacheOutput=$WORK/aot.aot -Xlog:aot=off -Xlog:cds=off"
    use="-XX:AOTCache=$WORK/aot.aot -Xlog:aot=off -Xlog:cds=off"
    aot_note=", with the launcher's ahead-of-time cache"
  else
    record="-XX:ArchiveClassesAtExit=$WORK/cds.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
    use="-XX:SharedArchiveFile=$WORK/cds.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
    aot_note=", with the launcher's class-data-sharing archive"
  fi
  "$JAVA" $JAVA_OPTS $record -jar "$JAR" -r "$WORK/train.pcap" "$WORK/bench.yaml" > /dev/null 2>&1
  JAVA_OPTS="$JAVA_OPTS $use"
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1)"
echo "runs: $RUNS alternating, $PACKETS packets each, medians$aot_note"
run_case 200
run_case 10000
printf 'scale of routes: 10 000 hosts run at %.2f of the 200-host rate (target >= 0.5)\n' \
  "$(echo "$(cat "$WORK/median-200") / $(cat "$WORK/median-10000")" | bc -l)"
