#!/usr/bin/env bash
# Benchmark 2 of docs/performance.md: live capture at tcpreplay's top speed on a veth pair.
#   bench/live.sh [RUNS]      (default 3 alternating runs each; needs root, tcpreplay, tcpdump, iproute2)
# Generates its input (1 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 200 hosts), injects it with
# `tcpreplay --topspeed` on one end of a veth pair and captures on the other end, alternating:
# sniffer-span-pcap (default_output_prefix "host_{src_ip}", capture.buffer_size_mb 64) and
# `tcpdump -i X -w FILE -B 65536` (the same 64 MiB kernel buffer) into one file.
# Prints, per run: frames injected, frames stored, kernel drops, tcpreplay's achieved rate.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-1000000}
. bench/lib.sh
IN=bnchl0   # tcpreplay injects here
CAP=bnchl1  # the daemon / tcpdump capture here
[ "$(id -u)" = 0 ] || { echo "bench/live.sh needs root (veth pair, capture)" >&2; exit 1; }
need_jars

input="$WORK/live-in.pcap"
generate "$input" "$PACKETS" 200 3

cleanup() {
  [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "${td_pid:-}" ] && kill "$td_pid" 2>/dev/null || true
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

# wait_for FILE TEXT: until the log shows TEXT (the capture is open), at most 30 s
wait_for() {
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "FAILED: no \"$2\" in $1" >&2; cat "$1" >&2; exit 1
}

# inject -> "frames_sent pps" from tcpreplay's own report
inject() {
  tcpreplay -i "$IN" --topspeed "$input" > "$WORK/tcpreplay.txt" 2>&1
  awk '/Actual:/ {sent=$2} /Rated:/ {for (i=1;i<=NF;i++) if ($i ~ /pps/) pps=$(i-1)} END {print sent, pps}' "$WORK/tcpreplay.txt"
}

machine load
echo "input: $PACKETS packets, $(stat -c %s "$input" | awk '{printf "%.0f MB", $1/1e6}'), runs: $RUNS alternating"
for run in $(seq "$RUNS"); do
  rm -rf "$WORK/live-out" "$WORK/live-td.pcap"
  # shellcheck disable=SC2086 # a list of options
  "$JAVA" $JAVA_OPTS -jar "$SPAN" "$WORK/live.yaml" > /dev/null 2> "$WORK/live-daemon.log" &
  daemon_pid=$!
  wait_for "$WORK/live-daemon.log" "capturing on $CAP"
  read -r sent pps < <(inject)
  sleep 2  # the last ring block reaches the daemon within capture.timeout_ms
  kill -TERM "$daemon_pid"; wait "$daemon_pid" || { echo "FAILED: daemon exit $?" >&2; cat "$WORK/live-daemon.log" >&2; exit 1; }
  daemon_pid=
  printf 'run %d  sniffer-span-pcap: injected %8d  stored %8d  kernel_dropped %7d  captured %8d  files %4d | tcpreplay %9.0f pkt/s\n' \
    "$run" "$sent" "$(figure "$WORK/live-daemon.log" written)" "$(figure "$WORK/live-daemon.log" kernel_dropped)" \
    "$(figure "$WORK/live-daemon.log" captured)" "$(ls "$WORK/live-out" | wc -l)" "$pps"

  tcpdump -i "$CAP" -n -w "$WORK/live-td.pcap" -B 65536 2> "$WORK/live-td.log" &
  td_pid=$!
  wait_for "$WORK/live-td.log" "listening on $CAP"
  read -r sent pps < <(inject)
  sleep 2
  kill -INT "$td_pid"; wait "$td_pid" || true
  td_pid=
  printf 'run %d  tcpdump:           injected %8d  stored %8d  kernel_dropped %7d  captured %8s  files %4d | tcpreplay %9.0f pkt/s\n' \
    "$run" "$sent" "$(awk '/packets captured/ {print $1}' "$WORK/live-td.log")" \
    "$(awk '/dropped by kernel/ {print $1}' "$WORK/live-td.log")" "$(awk '/received by filter/ {print $1}' "$WORK/live-td.log")" 1 "$pps"
done
