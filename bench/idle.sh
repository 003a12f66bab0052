#!/usr/bin/env bash
# Benchmark of the collector's TCP front with idle connections (issue 17; docs/performance.md):
#   bench/idle.sh [RUNS]      (default 3; needs python3, tcpdump, nc, curl)
# 1. 5 000 idle connections held by one Python process (sniffer-remote-pcap's test script
#    connections.py): the collector's resident memory and its CPU over 20 s while they sit there
#    (targets: < 512 MiB, < 10 % of a core).
# 2. Ingest of a 2 M-packet PCAP-over-IP stream, `tcpdump -r X -w - | nc`, with 2 000 idle
#    connections present and without, alternating (target: >= 0.9 of the rate without). The time
#    is from the start of the pipe until the collector's written counter reaches the input's count.
# Reference in the same run: the same `tcpdump -r X -w -` into `nc -l > file`, the cost of a raw
# socket-to-file copy.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-2000000}
PORT=${PORT:-15880}
METRICS=${METRICS_PORT:-15881}
. bench/lib.sh
need_jars
SCRIPT=sniffer-remote-pcap/src/test/resources/connections.py
input="$WORK/replay-200.pcap" # bench/offline.sh's input
generate "$input" "$PACKETS" 200 3
cat "$input" > /dev/null

cat > "$WORK/idle-collector.yaml" <<YAML
port: $PORT
protocol: tcp
bind_address: "127.0.0.1"
default_output_prefix: "remote_{sender_ip}"
output_directories:
  pcap_raw_output_path: "$WORK/idle-out"
rotation:
  timezone: "UTC"
metrics:
  listen: "127.0.0.1:$METRICS"
  log_interval_seconds: 0
limits:
  max_connections: 10000
  max_connections_per_address: 10000
  first_bytes_timeout_seconds: 3600
YAML

cleanup() {
  [ -n "${col_pid:-}" ] && kill "$col_pid" 2>/dev/null || true
  [ -n "${idle_pid:-}" ] && kill "$idle_pid" 2>/dev/null || true
}
trap cleanup EXIT
now() { date +%s.%N; }
written() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/^secureot_packets_written_total / {printf "%d", $2}'; }
active() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/^secureot_connections_active / {printf "%d", $2}'; }
start_collector() {
  rm -rf "$WORK/idle-out"
  "$JAVA" $JAVA_OPTS -jar "$COL" "$WORK/idle-collector.yaml" > /dev/null 2> "$WORK/idle-collector.log" &
  col_pid=$!
  for _ in $(seq 1200); do grep -q "listening on tcp" "$WORK/idle-collector.log" && break; sleep 0.1; done
  for _ in $(seq 600); do [ -n "$(active)" ] && return; sleep 0.1; done
  echo "the collector did not start:" >&2; cat "$WORK/idle-collector.log" >&2; exit 1
}
hold() { # N: idle connections from 127.0.9.1, held until release
  mkfifo "$WORK/idle.fifo" 2>/dev/null || true
  python3 "$SCRIPT" idle "$1" "$PORT" 127.0.9.1 < "$WORK/idle.fifo" > "$WORK/idle.out" &
  idle_pid=$!
  exec 7> "$WORK/idle.fifo"
  for _ in $(seq 1200); do [ "$(active)" -ge "$1" ] && return; sleep 0.1; done
  echo "only $(active) of $1 idle connections held:" >&2; cat "$WORK/idle.out" >&2; exit 1
}
release() { exec 7>&-; wait "$idle_pid" || true; idle_pid=; rm -f "$WORK/idle.fifo"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

ingest() { # -> seconds from the pipe's start until every packet is written
  local base t0 w
  base=$(written); base=${base:-0}
  t0=$(now)
  tcpdump -r "$input" -w - 2>/dev/null | nc -N 127.0.0.1 "$PORT"
  while :; do w=$(written); [ "${w:-0}" -ge $((base + PACKETS)) ] && break; sleep 0.02; done
  echo "$(now) - $t0" | bc -l
}

raw_copy() { # -> seconds of tcpdump -r X -w - | nc into nc -l > file
  local t0
  nc -l 127.0.0.1 $((PORT + 5)) > "$WORK/raw-copy.pcap" &
  local l=$!
  for _ in $(seq 100); do ss -ltn | grep -q ":$((PORT + 5)) " && break; sleep 0.1; done
  t0=$(now)
  tcpdump -r "$input" -w - 2>/dev/null | nc -N 127.0.0.1 $((PORT + 5))
  wait "$l"
  echo "$(now) - $t0" | bc -l
}

machine load
# 1. 5 000 idle connections
start_collector
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$col_pid/status")
hold 5000
sleep 2
t0=$(cpu_ticks "$col_pid"); sleep 20; t1=$(cpu_ticks "$col_pid")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$col_pid/status")
threads=$(ls "/proc/$col_pid/task" | wc -l)
printf 'idle: %d connections held, collector RSS %.0f MiB (%.0f MiB before), %d threads, CPU %.2f %% of a core over 20 s\n' \
  "$(active)" "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss0 / 1024" | bc -l)" "$threads" \
  "$(echo "($t1 - $t0) * 100 / $(getconf CLK_TCK) / 20" | bc -l)"
release
stop_collector

# 2. ingest with and without 2 000 idle connections, alternating
without=() with=() raw=()
for run in $(seq "$RUNS"); do
  raw+=("$(raw_copy)")
  start_collector; without+=("$(ingest)"); stop_collector
  start_collector; hold 2000; with+=("$(ingest)"); release; stop_collector
done
raw_s=$(printf '%s\n' "${raw[@]}" | median)
wo_s=$(printf '%s\n' "${without[@]}" | median)
wi_s=$(printf '%s\n' "${with[@]}" | median)
printf 'reference: tcpdump -r X -w - | nc into nc -l > file, median of %d: %.2f s, %.0f pkt/s\n' "$RUNS" "$raw_s" \
  "$(echo "$PACKETS / $raw_s" | bc -l)"
printf 'ingest without idle connections: %s s, median %.2f s, %.0f pkt/s (%.2f of the raw copy)\n' "${without[*]}" \
  "$wo_s" "$(echo "$PACKETS / $wo_s" | bc -l)" "$(echo "$raw_s / $wo_s" | bc -l)"
printf 'ingest with 2 000 idle connections: %s s, median %.2f s, %.0f pkt/s: %.2f of the rate without (target >= 0.9)\n' \
  "${with[*]}" "$wi_s" "$(echo "$PACKETS / $wi_s" | bc -l)" "$(echo "$wo_s / $wi_s" | bc -l)"
