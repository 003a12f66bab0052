#!/usr/bin/env bash
# Benchmark 1 and 4 of docs/performance.md: offline routed replay against tcpdump.
#   bench/offline.sh [RUNS]      (default 5 alternating runs each; needs tcpdump, GNU time)
# Generates its inputs (2 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 3 hours; 200 hosts and
# 10 000 hosts), replays them with sniffer-span-pcap --read-file and default_output_prefix
# "host_{src_ip}", and `tcpdump -r IN -w OUT` into one file, alternating, on warm page cache.
# Prints wall time, packets/s and peak RSS of each, the median ratio, and the 10k/200 ratio.
# As root, each run (ours and tcpdump's) writes into a freshly made ext4 (fresh_fs in lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PACKETS=${PACKETS:-2000000}
WORK=${BENCH_DIR:-/tmp/secureot-bench}
JAR=sniffer-span-pcap/target/sniffer-span-pcap.jar
. bench/lib.sh
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

trap drop_fs EXIT

run_case() { # hosts
  local in="$WORK/in-$1.pcap" ours=() theirs=() rss=0
  cat "$in" > /dev/null
  for i in $(seq "$RUNS"); do
    fresh_fs; config "$FS/out"
    read -r w r < <(measure "$JAVA" $JAVA_OPTS -jar "$JAR" -r "$in" "$WORK/bench.yaml")
    ours+=("$w"); (( r > rss )) && rss=$r
    files=$(ls "$FS/out" | wc -l)
    fresh_fs
    read -r tw tr < <(measure tcpdump -r "$in" -w "$FS/td.pcap")
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

# Start-up cache as the packaged launcher keeps one, recorded by a first run of the daemon (here a
# 200 000-packet training replay).
aot_note=
if startup_cache_enabled; then
  rm -f "$WORK/span.aot" "$WORK/span.jsa"; fresh_fs; config "$FS/out"
  # shellcheck disable=SC2046 # a list of options
  "$JAVA" $JAVA_OPTS $(startup_cache span record) -jar "$JAR" -r "$(training_input)" "$WORK/bench.yaml" > /dev/null 2>&1
  JAVA_OPTS="$JAVA_OPTS $(startup_cache span use)"
  aot_note=", with the launcher's $(startup_cache_name)"
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1)"
echo "runs: $RUNS alternating, $PACKETS packets each, medians$aot_note"
run_case 200
run_case 10000
printf 'scale of routes: 10 000 hosts run at %.2f of the 200-host rate (target >= 0.5)\n' \
  "$(echo "$(cat "$WORK/median-200") / $(cat "$WORK/median-10000")" | bc -l)"
