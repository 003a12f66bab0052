#!/usr/bin/env bash
# Benchmark 2 of docs/performance.md: live capture at tcpreplay's top speed on a veth pair.
#   bench/live.sh [RUNS]      (default 3 alternating runs each; needs root, tcpreplay, tcpdump,
#                              dumpcap (package tshark), iproute2, GNU time)
# Generates its input (2 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 200 hosts), injects it with
# `tcpreplay --topspeed` on one end of a veth pair and captures on the other end, alternating, run
# after run: `tcpdump -i X -w FILE -B 65536` and `dumpcap -i X -w FILE -B 64` (the same 64 MiB
# kernel buffer) into one file each, and sniffer-span-pcap (capture.backend auto: the kernel packet
# ring; default_output_prefix "host_{src_ip}": 200 files) on the `java` of the PATH ($JAVA, Java
# 17 on Debian 12) and on $JAVA25 (default: the newest JDK of 22 or more in /usr/lib/jvm).
# Each capturer first gets a warm-up injection (WARM packets, default 300 000, of the same 200
# hosts), then the measured one. Prints, per run and capturer: frames injected (measured part),
# stored, kernel drops (both parts), CPU seconds of the capturing process (user + system) from the
# start of the measured injection to its exit (steady state: start-up and the JIT's warm-up left
# out, shutdown and the files' flush in) and, as "cold", from the start of the warm-up injection
# (the JIT's compilation in), CPU per measured frame, and ours / tcpdump's CPU.
# THREADS=N (N > 1) adds, on each Java, a run of ours with capture.threads: N (N packet ring
# sockets in one PACKET_FANOUT group, one capture thread each) right after the one-thread run,
# labelled "xN threads"; the ratio is still to tcpdump's CPU of the same run.
# BASE=DIR (another checkout with its jars built, e.g. a `git worktree` of main) adds, on each Java,
# a run of DIR's sniffer-span-pcap.jar right after ours, labelled "base": an A/B of a change in
# one run, alternating. WRITERS=N adds, on each Java, a run of ours with rotation.writer_threads: N
# right after the default one, labelled "wN". VETH=NAME names the veth pair NAME0/NAME1 (default bnchl), so that two
# benchmarks on one machine do not collide.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-2000000}
THREADS=${THREADS:-1}
WRITERS=${WRITERS:-}
. bench/lib.sh
BASE=${BASE:-}
IN=${VETH:-bnchl}0   # tcpreplay injects here
CAP=${VETH:-bnchl}1  # the capturers capture here
[ "$(id -u)" = 0 ] || { echo "bench/live.sh needs root (veth pair, capture)" >&2; exit 1; }
for tool in tcpreplay tcpdump dumpcap /usr/bin/time; do
  command -v "$tool" > /dev/null || { echo "bench/live.sh needs $tool" >&2; exit 1; }
done
if [ -z "${JAVA25:-}" ]; then
  for j in /usr/lib/jvm/*; do
    v=$("$j/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1) || continue
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "${best:-0}" ]; then best=$v; JAVA25=$j/bin/java; fi
  done
fi
need_jars
if [ -n "$BASE" ] && [ ! -f "$BASE/$SPAN" ]; then echo "bench/live.sh: no $BASE/$SPAN (build it there first)" >&2; exit 1; fi

WARM=${WARM:-300000}
input="$WORK/live-in-$PACKETS.pcap"
generate "$input" "$PACKETS" 200 3
warm="$WORK/live-warm-$WARM.pcap"
generate "$warm" "$WARM" 200 1 --seed 7

cleanup() {
  [ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null || true
  ip link del "$IN" 2>/dev/null || true
}
trap cleanup EXIT
ip link del "$IN" 2>/dev/null || true
ip link add "$IN" type veth peer name "$CAP"
for i in "$IN" "$CAP"; do sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"; ip link set "$i" up; done

cat > "$WORK/live.yaml" <<YAML
capture:
  interface: "$CAP"
  buffer_size_mb: 64
routing_rules: []
default_output_prefix: "host_{src_ip}"
output_directories:
  pcap_raw_output_path: "$WORK/live-out"
rotation:
  timezone: "UTC"
metrics:
  log_interval_seconds: 0
YAML
sed "s/^  buffer_size_mb: 64$/  buffer_size_mb: 64\n  threads: $THREADS/" "$WORK/live.yaml" > "$WORK/live-threads.yaml"
sed "s/^  timezone: \"UTC\"$/  timezone: \"UTC\"\n  writer_threads: ${WRITERS:-2}/" "$WORK/live.yaml" > "$WORK/live-writers.yaml"

# wait_for FILE TEXT: until the log shows TEXT (the capture is open), at most 30 s
wait_for() {
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "FAILED: no \"$2\" in $1" >&2; cat "$1" >&2; exit 1
}

# capture NAME SIGNAL READY-TEXT LOG CMD...: runs CMD under GNU time, waits for READY-TEXT in LOG,
# injects the warm-up and the input, stops it with SIGNAL; sets sent, pps, cpu_s (from the measured
# injection to the exit) and cold_s (from the warm-up injection).
capture() {
  local name=$1 sig=$2 ready=$3 log=$4 before cold total
  shift 4
  /usr/bin/time -f "%U %S" -o "$WORK/time.txt" "$@" > /dev/null 2> "$log" &
  local time_pid=$!
  for _ in $(seq 50); do cap_pid=$(pgrep -P "$time_pid" || true); [ -n "$cap_pid" ] && break; sleep 0.1; done
  wait_for "$log" "$ready"
  cold=$(cpu "$cap_pid")
  tcpreplay -i "$IN" --topspeed "$warm" > /dev/null 2>&1
  sleep 1
  before=$(cpu "$cap_pid")
  tcpreplay -i "$IN" --topspeed "$input" > "$WORK/tcpreplay.txt" 2>&1
  read -r sent pps < <(awk '/Actual:/ {sent=$2} /Rated:/ {for (i=1;i<=NF;i++) if ($i ~ /pps/) pps=$(i-1)} END {print sent, pps}' "$WORK/tcpreplay.txt")
  sleep 1  # the last ring block reaches the capturer within its timeout
  kill "-$sig" "$cap_pid"
  wait "$time_pid" || { echo "FAILED: $name exit $?" >&2; cat "$log" >&2; exit 1; }
  cap_pid=
  total=$(awk '{printf "%.2f", $1 + $2}' "$WORK/time.txt")
  cpu_s=$(echo "$total - $before" | bc -l)
  cold_s=$(echo "$total - $cold" | bc -l)
}

# line RUN NAME STORED DROPS FILES: one result line (STORED counts the warm-up too: it is taken off);
# remembers tcpdump's CPU for the ratio
line() {
  local ratio= stored=$(($3 - WARM))
  [ "$2" = tcpdump ] && td_cpu=$cpu_s
  case "$2" in ours*|base*) ratio=$(printf '  ours/tcpdump CPU %.2f' "$(echo "$cpu_s / $td_cpu" | bc -l)");; esac
  printf 'run %d  %-14s injected %8d  stored %8d  kernel_dropped %7d  files %4d  CPU %6.2f s (cold %5.2f)  %5.2f us/frame%s | tcpreplay %7.0f pkt/s\n' \
    "$1" "$2" "$sent" "$stored" "$4" "$5" "$cpu_s" "$cold_s" "$(echo "$cpu_s * 1000000 / $sent" | bc -l)" "$ratio" "$pps"
  [ "$1" = 0 ] || echo "$2 $cpu_s $sent $stored $4" >> "$WORK/live-runs.txt"
}

ours() { # RUN LABEL JAVA [CONFIG [JAR]]
  rm -rf "$WORK/live-out"
  # shellcheck disable=SC2086 # a list of options
  capture "$2" TERM "capturing on $CAP" "$WORK/live-daemon.log" "$3" $JAVA_OPTS -jar "${5:-$SPAN}" "${4:-$WORK/live.yaml}"
  grep -q "capture path: kernel packet ring" "$WORK/live-daemon.log" || {
    echo "FAILED: $2 did not capture from the packet ring" >&2; cat "$WORK/live-daemon.log" >&2; exit 1; }
  if [ "${4:-$WORK/live.yaml}" = "$WORK/live-threads.yaml" ]; then
    grep -q "$THREADS sockets in fanout group" "$WORK/live-daemon.log" || {
      echo "FAILED: $2 did not open $THREADS fanout sockets" >&2; cat "$WORK/live-daemon.log" >&2; exit 1; }
  fi
  line "$1" "$2" "$(figure "$WORK/live-daemon.log" written)" "$(figure "$WORK/live-daemon.log" kernel_dropped)" \
    "$(ls "$WORK/live-out" | wc -l)"
  local lost
  lost=$(grep "final: " "$WORK/live-daemon.log" | tail -1 | grep -o 'dropped_[a-z_]*=[1-9][0-9]*' | tr '\n' ' ' || true)
  if [ -n "$lost" ]; then echo "        not stored, counted: $lost"; fi
  if [ "${4:-$WORK/live.yaml}" = "$WORK/live-threads.yaml" ]; then
    echo "        frames read per socket (warm-up in): $(sed -n 's/.*frames read by the [0-9]* sockets on [^:]*: //p' "$WORK/live-daemon.log")"
  fi
}

machine load
echo "java 25: $("$JAVA25" -version 2>&1 | head -1)"
[ -z "$BASE" ] || echo "base: $BASE at $(git -C "$BASE" log -1 --format=%h)"
echo "capture.threads: 1$([ "$THREADS" -gt 1 ] && echo " and $THREADS (the runs labelled x$THREADS)")"
echo "input: $PACKETS packets, 200 sources, $(stat -c %s "$input" | awk '{printf "%.0f MB", $1/1e6}') after $WARM of warm-up, runs: $RUNS alternating"
: > "$WORK/live-runs.txt"
round() { # RUN: one capture by each capturer, in the same order every round
  local run=$1
  rm -f "$WORK/live-td.pcap"
  capture tcpdump INT "listening on $CAP" "$WORK/live-td.log" tcpdump -i "$CAP" -n -w "$WORK/live-td.pcap" -B 65536
  line "$run" tcpdump "$(awk '/packets captured/ {print $1}' "$WORK/live-td.log")" \
    "$(awk '/dropped by kernel/ {print $1}' "$WORK/live-td.log")" 1

  rm -f "$WORK/live-dc.pcap"
  capture dumpcap INT "Capturing on" "$WORK/live-dc.log" dumpcap -i "$CAP" -q -w "$WORK/live-dc.pcap" -B 64 -P
  # "Packets received/dropped on interface 'X': 2000000/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0)"
  line "$run" dumpcap "$(sed -n "s#.*received/dropped on interface[^:]*: \([0-9]*\)/.*#\1#p" "$WORK/live-dc.log")" \
    "$(sed -n "s#.*received/dropped on interface.*(pcap:\([0-9]*\)/.*#\1#p" "$WORK/live-dc.log")" 1

  j25=$("$JAVA25" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
  ours "$run" "ours Java $java_major" "$JAVA"
  if [ -n "$BASE" ]; then ours "$run" "base Java $java_major" "$JAVA" "$WORK/live.yaml" "$BASE/$SPAN"; fi
  if [ "$THREADS" -gt 1 ]; then ours "$run" "ours Java $java_major x$THREADS" "$JAVA" "$WORK/live-threads.yaml"; fi
  if [ -n "$WRITERS" ]; then ours "$run" "ours Java $java_major w$WRITERS" "$JAVA" "$WORK/live-writers.yaml"; fi
  ours "$run" "ours Java $j25" "$JAVA25"
  if [ -n "$BASE" ]; then ours "$run" "base Java $j25" "$JAVA25" "$WORK/live.yaml" "$BASE/$SPAN"; fi
  if [ "$THREADS" -gt 1 ]; then ours "$run" "ours Java $j25 x$THREADS" "$JAVA25" "$WORK/live-threads.yaml"; fi
  if [ -n "$WRITERS" ]; then ours "$run" "ours Java $j25 w$WRITERS" "$JAVA25" "$WORK/live-writers.yaml"; fi
}
# One untimed round first (run 0, not printed): on the VMs measured here each capturer's first
# capture came out dearer than its next ones, up to three times for ours on Java 17 and twice for
# dumpcap (memory, huge pages among it, that the hypervisor had not backed yet). WARMUP=0 leaves it out.
if [ "${WARMUP:-1}" != 0 ]; then round 0 > /dev/null; fi
for run in $(seq "$RUNS"); do
  round "$run"
done
echo "medians over $RUNS runs (load at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
awk '{ k = $1; for (i = 2; i <= NF - 4; i++) k = k " " $i; print k "\t" $(NF-3) "\t" $(NF-1) "\t" $NF "\t" $(NF-2) }' \
  "$WORK/live-runs.txt" > "$WORK/live-cols.txt"
td=$(awk -F'\t' '$1 == "tcpdump" {print $2}' "$WORK/live-cols.txt" | median)
cut -f1 "$WORK/live-cols.txt" | awk '!seen[$0]++' | while read -r who; do
  c=$(awk -F'\t' -v w="$who" '$1 == w {print $2}' "$WORK/live-cols.txt" | median)
  s=$(awk -F'\t' -v w="$who" '$1 == w {print $5}' "$WORK/live-cols.txt" | head -1)
  d=$(awk -F'\t' -v w="$who" '$1 == w {s += $4} END {print s + 0}' "$WORK/live-cols.txt")
  st=$(awk -F'\t' -v w="$who" '$1 == w && ($3 < m || m == "") {m = $3} END {print m}' "$WORK/live-cols.txt")
  printf '  %-14s CPU %6.2f s  %5.2f us/frame  ratio to tcpdump %.2f  kernel drops (all runs) %d  fewest stored %d of %d\n' \
    "$who" "$c" "$(echo "$c * 1000000 / $s" | bc -l)" "$(echo "$c / $td" | bc -l)" "$d" "$st" "$s"
done
