#!/usr/bin/env bash
# Benchmark 7 of docs/performance.md: a 1 GB backlog delivered at the configured rate while live
# traffic continues (issue 14's second speed target).
#   bench/backfill.sh            (needs curl; about 3 minutes)
# Generates its input (4 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 200 hosts, 2 hours, 2.2 GB)
# and replays it through `sniffer-span-forwarder -r --replay-speed 60` (2 hours in 2 minutes,
# about 150 Mbit/s of live traffic), forward.format sot2 with backfill_rate_mbps BACKFILL_MBPS
# (default 200). The collector is down at the start: the spool fills. Once the backlog holds
# BACKLOG_MB (default 1024) the collector starts; from then on the live packets go first and the
# backlog drains at the configured pace while the replay continues. Prints, once a second, the
# forwarder's gauges (backlog bytes and packets, backfill rate, resent, queue_full) and at the end
# the drain's measured rate next to the configured one, the time the backlog took to reach zero,
# and what the collector stored of the input.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKETS=${PACKETS:-4000000}
BACKFILL_MBPS=${BACKFILL_MBPS:-200}
BACKLOG_MB=${BACKLOG_MB:-1024}
PORT=${PORT:-15890}
COL_METRICS=${COL_METRICS:-15891}
FWD_METRICS=${FWD_METRICS:-15892}
. bench/lib.sh
need_jars

input="$WORK/backfill-$PACKETS.pcap"
generate "$input" "$PACKETS" 200 2
cat "$input" > /dev/null

metric() { # PORT NAME -> the value of NAME (labels included in NAME), or 0
  value "$({ curl -s "http://127.0.0.1:$1/metrics" || true; })" "$2"
}
value() { # PAGE NAME -> the value of NAME in a metrics page, or 0
  awk -v n="$2" '$1 == n {printf "%d", $2; found=1} END {if (!found) print 0}' <<< "$1"
}

fresh_fs
cat > "$WORK/backfill-fwd.yaml" <<YAML
capture:
  interface: "unused"
routing_rules: []
default_output_prefix: "host_{src_ip}"
output_directories:
  pcap_raw_output_path: "$FS/local"
rotation:
  timezone: "UTC"
metrics:
  listen: "127.0.0.1:$FWD_METRICS"
  log_interval_seconds: 0
forward:
  enable: true
  host: "127.0.0.1"
  port: $PORT
  protocol: "tcp"
  format: "sot2"
  sensor_id: "bench"
  backfill_rate_mbps: $BACKFILL_MBPS
  drain_timeout_seconds: 600
  reconnect_max_ms: 1000
  spool:
    directory: "$FS/spool"
    max_size_mb: 4096
YAML
cat > "$WORK/backfill-col.yaml" <<YAML
port: $PORT
protocol: tcp
bind_address: "127.0.0.1"
default_output_prefix: "remote_{sender_ip}"
output_directories:
  pcap_raw_output_path: "$FS/collector"
rotation:
  timezone: "UTC"
metrics:
  listen: "127.0.0.1:$COL_METRICS"
  log_interval_seconds: 0
YAML

cleanup() {
  [ -n "${fwd_pid:-}" ] && kill "$fwd_pid" 2>/dev/null || true
  [ -n "${col_pid:-}" ] && kill "$col_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  drop_fs
}
trap cleanup EXIT

machine load
echo "input: $PACKETS packets over 2 hours ($(stat -c %s "$input" | awk '{printf "%.0f MB", $1/1e6}')), replayed at 60x; backfill_rate_mbps $BACKFILL_MBPS; collector down until the backlog holds $BACKLOG_MB MB"
# shellcheck disable=SC2086 # a list of options
"$JAVA" $JAVA_OPTS -jar "$FWD" -r "$input" --replay-speed 60 "$WORK/backfill-fwd.yaml" > /dev/null 2> "$WORK/backfill-fwd.log" &
fwd_pid=$!
t0=$(date +%s.%N)
col_at=
drained_at=
peak=0
samples="$WORK/backfill-samples.txt"
: > "$samples"
printf '%6s %12s %10s %14s %10s %10s %11s\n' "t s" "backlog MB" "backlog" "backfill Mbps" "resent" "queue_full" "collector"
while kill -0 "$fwd_pid" 2>/dev/null; do
  sleep 1
  t=$(echo "$(date +%s.%N) - $t0" | bc -l)
  page=$(curl -s "http://127.0.0.1:$FWD_METRICS/metrics" || true)
  [ -n "$page" ] || continue # not listening yet, or closing at the end
  bytes=$(value "$page" secureot_forward_backlog_bytes)
  pkts=$(value "$page" secureot_forward_backlog_packets)
  bps=$(value "$page" secureot_forward_backfill_bits_per_second)
  resent=$(value "$page" secureot_forward_resent_total)
  qfull=$(value "$page" 'secureot_forward_dropped_total{reason="queue_full"}')
  stored=$([ -n "$col_at" ] && metric "$COL_METRICS" secureot_packets_written_total || echo 0)
  printf '%6.0f %12.0f %10d %14.1f %10d %10d %11d\n' "$t" "$(echo "$bytes / 1000000" | bc -l)" "$pkts" \
    "$(echo "$bps / 1000000" | bc -l)" "$resent" "$qfull" "$stored"
  echo "$t $bytes $pkts $bps $resent $qfull" >> "$samples"
  [ "$bytes" -gt "$peak" ] && peak=$bytes
  if [ -z "$col_at" ] && [ "$bytes" -ge $((BACKLOG_MB * 1000000)) ]; then
    "$JAVA" $JAVA_OPTS -jar "$COL" "$WORK/backfill-col.yaml" > /dev/null 2> "$WORK/backfill-col.log" &
    col_pid=$!
    col_at=$t
    echo "--- collector started (backlog $(echo "$bytes / 1000000" | bc) MB)"
  fi
  if [ -n "$col_at" ] && [ -z "$drained_at" ] && [ "$resent" -gt 0 ] && [ "$pkts" -lt 100000 ]; then
    drained_at=$t
    echo "--- backlog drained to live level"
  fi
done
fwd_exit=0; wait "$fwd_pid" || fwd_exit=$?; fwd_pid=
for _ in $(seq 600); do
  [ "$(metric "$COL_METRICS" secureot_packets_written_total)" -ge "$PACKETS" ] && break; sleep 0.1
done
stored=$(metric "$COL_METRICS" secureot_packets_written_total)
dups=$(metric "$COL_METRICS" secureot_sot2_duplicates_total)
kill -TERM "$col_pid"; wait "$col_pid" || true; col_pid=
[ -n "$col_at" ] || { echo "FAILED: the backlog never reached $BACKLOG_MB MB (peak $((peak / 1000000)) MB)" >&2; exit 1; }
# The drain's rate: the median of the backfill gauge over the seconds it was above zero.
rate=$(awk '$4 > 0 {print $4}' "$samples" | median)
printf 'backlog at the collector'"'"'s start: %.0f MB; drained to the live level %.0f s later' \
  "$(echo "$peak / 1000000" | bc -l)" "$(echo "${drained_at:-0} - $col_at" | bc -l)"
[ -n "$drained_at" ] || printf ' (not before the replay ended)'
echo
printf 'backfill rate: median %.1f Mbit/s while draining, configured %d Mbit/s (%.2f of it)\n' \
  "$(echo "${rate:-0} / 1000000" | bc -l)" "$BACKFILL_MBPS" "$(echo "${rate:-0} / ($BACKFILL_MBPS * 1000000)" | bc -l)"
echo "forwarder exit $fwd_exit: $(grep -o 'captured=.*' "$WORK/backfill-fwd.log" | tail -1)"
echo "collector stored $stored of $PACKETS, sot2 duplicates $dups"
