#!/usr/bin/env bash
# Aggregate ingest of the collector's TCP front from 8 concurrent senders (issue 17's third target;
# docs/performance.md section 5):
#   bench/senders.sh [RUNS]      (default 3; needs tcpdump, nc, curl, GNU time)
# 8 senders at once, each `tcpdump -r X -w - | nc` of its own eighth of the input (2 M packets in
# all, 200 hosts) from its own loopback address (127.0.1.1-8, so that each is a sender of its own
# and writes files of its own). The time is from the start of the first pipe until the
# collector's written counter reaches the whole input. Reference in the same run, alternating: one
# sender writing one file, `tcpdump -r X -w - | nc` of the whole input into `nc -l > file` (the cost
# of a raw socket-to-file copy). Target: the aggregate rate at least the reference's, every packet
# stored. CPU (user + system) is counted for the collector from the senders' start (its JVM's
# start-up left out, the JIT's compilation in) and, in the reference, for the receiving `nc -l`
# (the socket-to-file copy itself); the senders' tcpdump and nc are the same on both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-2000000}
SENDERS=8
PORT=${PORT:-15890}
METRICS=${METRICS_PORT:-15891}
. bench/lib.sh
need_jars
input="$WORK/replay-200.pcap" # bench/offline.sh's input
generate "$input" "$PACKETS" 200 3
per=$((PACKETS / SENDERS))
for i in $(seq "$SENDERS"); do
  # The i-th eighth of the input, by record number (editcap -r keeps the global header).
  editcap -r "$input" "$WORK/part-$i.pcap" "$(((i - 1) * per + 1))-$((i * per))"
done
total=$((per * SENDERS))
cat "$input" "$WORK"/part-*.pcap > /dev/null

cat > "$WORK/senders-collector.yaml" <<YAML
port: $PORT
protocol: tcp
bind_address: "127.0.0.1"
default_output_prefix: "remote_{sender_ip}"
output_directories:
  pcap_raw_output_path: "$WORK/senders-out"
rotation:
  timezone: "UTC"
metrics:
  listen: "127.0.0.1:$METRICS"
  log_interval_seconds: 0
YAML

cleanup() { [ -n "${col_pid:-}" ] && kill "$col_pid" 2>/dev/null || true; }
trap cleanup EXIT
now() { date +%s.%N; }
written() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/^secureot_packets_written_total / {printf "%d", $2}'; }
start_collector() {
  rm -rf "$WORK/senders-out"
  "$JAVA" $JAVA_OPTS -jar "$COL" "$WORK/senders-collector.yaml" > /dev/null 2> "$WORK/senders-collector.log" &
  col_pid=$!
  for _ in $(seq 600); do [ -n "$(written)" ] && return; sleep 0.1; done
  echo "the collector did not start:" >&2; cat "$WORK/senders-collector.log" >&2; exit 1
}

aggregate() { # -> "seconds written cpu" of 8 concurrent senders
  local t0 c0 w last=-1 still=0 pids=()
  start_collector
  c0=$(cpu "$col_pid") # its start-up left out, as the reference has none
  t0=$(now)
  for i in $(seq "$SENDERS"); do
    (tcpdump -r "$WORK/part-$i.pcap" -w - 2>/dev/null | nc -N -s "127.0.1.$i" 127.0.0.1 "$PORT") &
    pids+=($!)
  done
  wait "${pids[@]}"
  while :; do
    w=$(written); w=${w:-0}
    [ "$w" -ge "$total" ] && break
    if [ "$w" = "$last" ]; then still=$((still + 1)); else still=0; last=$w; fi
    [ "$still" -ge 250 ] && break # 5 s without progress: report what was stored
    sleep 0.02
  done
  echo "$(echo "$(now) - $t0" | bc -l) $w $(echo "$(cpu "$col_pid") - $c0" | bc -l)"
  stop_collector
}

raw_copy() { # -> "seconds cpu" of tcpdump -r X -w - | nc into nc -l > file, the whole input
  local t0 l
  /usr/bin/time -f "%U %S" -o "$WORK/raw-copy.time" nc -l 127.0.0.1 $((PORT + 5)) > "$WORK/raw-copy.pcap" &
  l=$!
  for _ in $(seq 100); do ss -ltn | grep -q ":$((PORT + 5)) " && break; sleep 0.1; done
  t0=$(now)
  tcpdump -r "$input" -w - 2>/dev/null | nc -N 127.0.0.1 $((PORT + 5))
  wait "$l"
  echo "$(echo "$(now) - $t0" | bc -l) $(awk '{printf "%.2f", $1 + $2}' "$WORK/raw-copy.time")"
}

machine load
raw=() agg=() raw_cpu=() agg_cpu=()
for run in $(seq "$RUNS"); do
  read -r r rc <<< "$(raw_copy)"
  raw+=("$r") raw_cpu+=("$rc")
  read -r a w ac <<< "$(aggregate)"
  agg+=("$a") agg_cpu+=("$ac")
  printf 'run %d: 8 senders %.2f s, stored %d of %d, collector CPU %.2f s | one raw copy %.2f s, nc -l CPU %.2f s\n' \
    "$run" "$a" "$w" "$total" "$ac" "$r" "$rc"
done
raw_s=$(printf '%s\n' "${raw[@]}" | median)
agg_s=$(printf '%s\n' "${agg[@]}" | median)
printf 'CPU: collector median %.2f s (%.2f us a packet), nc -l median %.2f s (%.2f us a packet)\n' \
  "$(printf '%s\n' "${agg_cpu[@]}" | median)" "$(echo "$(printf '%s\n' "${agg_cpu[@]}" | median) * 1000000 / $total" | bc -l)" \
  "$(printf '%s\n' "${raw_cpu[@]}" | median)" "$(echo "$(printf '%s\n' "${raw_cpu[@]}" | median) * 1000000 / $PACKETS" | bc -l)"
printf 'reference: one sender, tcpdump -r X -w - | nc into nc -l > file, median %.2f s, %.0f pkt/s\n' "$raw_s" \
  "$(echo "$PACKETS / $raw_s" | bc -l)"
printf '8 senders into the collector: median %.2f s, %.0f pkt/s in all: %.2f of the reference rate (target >= 1.0)\n' \
  "$agg_s" "$(echo "$total / $agg_s" | bc -l)" "$(echo "($total / $agg_s) / ($PACKETS / $raw_s)" | bc -l)"
