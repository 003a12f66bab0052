#!/usr/bin/env bash
# Benchmark 3 of docs/performance.md: forwarder to collector on loopback, over TCP (PCAP-over-IP and
# SOT2, acknowledged with a spool) and over UDP.
#   bench/forward.sh [RUNS]      (default 3 runs of each; needs curl, GNU time)
#   PACKETS=10000000 FS_SIZE=16G UDP=0 bench/forward.sh 2    (steady state: bench/offline.sh's 10 M-packet
#                                 input, 5.4 GB, written twice per run; UDP=0 leaves out the UDP runs)
# Generates its input (2 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 200 hosts, 3 hours; the file
# of bench/offline.sh), starts sniffer-remote-pcap on 127.0.0.1, and replays the input with
# `sniffer-span-forwarder -r` (local files routed by "host_{src_ip}", as in bench/offline.sh).
# End to end = from the forwarder's start until the collector's written counter (metrics endpoint;
# a closed connection is written out at once) reaches its final value; the counter is only polled
# once the forwarder has exited, so that polling takes no CPU from the two daemons while they run.
# Loss = input - written
# by the collector. The reference is `sniffer-span-pcap -r` of the same file with the same local
# configuration; reference and TCP runs alternate (the VM's speed drifts by 10-20 % over minutes,
# which moved one side of the ratio only when all references ran first), and each TCP run is also
# compared with the reference run just before it. Each TCP run is followed by a mutual-TLS run
# (the same replay to the collector's TLS port, TLS 1.3, certificates made here with openssl;
# target: at least 0.8 of the plaintext TCP rate). UDP runs follow (no target), then UDP runs with
# authenticated SOT1 (forward.auth, an HMAC-SHA-256 tag per datagram) into the same collector.
# SOT2 runs alternate with them too (target 0.8 of the reference: a SOT2 replay exits only once
# the collector acknowledged every packet, so its time is end to end by itself).
# CPU (user + system seconds) is printed per run: the forwarder's whole run and the collector's from
# the forwarder's start, together, next to the reference's (the offline replay does the local half
# of the work alone).
# As root, every run (reference and forwarding) writes into a freshly made ext4 file
# system, as bench/offline.sh does: in a folder where earlier runs created and deleted thousands of
# files, ext4's inode allocator dominated the file creations (perf: recently_deleted).
# BASE=DIR (another checkout with its jars built, e.g. a `git worktree` of main) adds, after each
# TCP and each TLS run, the same run with DIR's forwarder and collector (each with a start-up cache
# of its own), labelled "base tcp" and "base tls": an A/B of a change in one run, alternating.
# shellcheck disable=SC2086 # JAVA_OPTS and the *_OPTS below are lists of options
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-2000000}
PORT=${PORT:-15870}
METRICS=${METRICS_PORT:-15871}
TLS_PORT=${TLS_PORT:-15872}
. bench/lib.sh
need_jars
if [ -n "${BASE:-}" ]; then
  BASE_FWD=$BASE/$FWD BASE_COL=$BASE/$COL
  [ -f "$BASE_FWD" ] && [ -f "$BASE_COL" ] || { echo "BASE=$BASE: no $BASE_FWD or $BASE_COL (build it first)" >&2; exit 66; }
fi

# A small CA, the collector's certificate (IP 127.0.0.1) and the sensor's, as docs/deployment.md makes them.
certs() {
  local d="$WORK/tls"
  rm -rf "$d"; mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
    -days 2 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  for who in collector:IP:127.0.0.1:serverAuth probe:DNS:bench-probe:clientAuth; do
    IFS=: read -r n kind name usage <<< "$who"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$name" 2>/dev/null
    printf 'subjectAltName=%s:%s\nextendedKeyUsage=%s\n' "$kind" "$name" "$usage" > "$d/$n.ext"
    openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
      -extfile "$d/$n.ext" -out "$d/$n.pem" 2>/dev/null
  done
}
certs

# bench/offline.sh's input (2 M packets), or its 10 M-packet steady-state input (PACKETS=10000000)
case "$PACKETS" in
  2000000) input="$WORK/replay-200.pcap" ;;
  10000000) input="$WORK/replay-200-long.pcap" ;;
  *) input="$WORK/replay-200-$PACKETS.pcap" ;;
esac
generate "$input" "$PACKETS" 200 3
cat "$input" > /dev/null

local_config() { # file out-dir [protocol [format]]
  span_config "$1" "$2"
  cat >> "$1" <<YAML
metrics:
  log_interval_seconds: 0
YAML
  [ -z "${3:-}" ] || cat >> "$1" <<YAML
forward:
  enable: true
  host: "127.0.0.1"
  port: $([ "$3" = tls ] && echo "$TLS_PORT" || echo "$PORT")
  protocol: "$(case "$3" in tls) echo tcp ;; *) echo "${3%-auth}" ;; esac)"
YAML
  [ "${3:-}" != udp-auth ] || cat >> "$1" <<YAML
  auth:
    key_id: 1
    key_file: "$WORK/bench.key"
YAML
  [ "${3:-}" != tls ] || cat >> "$1" <<YAML
  tls:
    enable: true
    ca_file: "$WORK/tls/ca.pem"
    certificate_file: "$WORK/tls/probe.pem"
    private_key_file: "$WORK/tls/probe.key"
YAML
  [ -z "${4:-}" ] || cat >> "$1" <<YAML
  format: "$4"
  sensor_id: "bench"
  drain_timeout_seconds: 300
  spool:
    directory: "$FS/spool"
    max_size_mb: 4096
YAML
}
(umask 077; head -c 32 /dev/urandom > "$WORK/bench.key")

cat > "$WORK/collector.yaml" <<YAML
port: $PORT
protocol: both
bind_address: "127.0.0.1"
default_output_prefix: "remote_{sender_ip}"
output_directories:
  pcap_raw_output_path: "$FS/collector"
rotation:
  timezone: "UTC"
  flush_interval_ms: 100
metrics:
  listen: "127.0.0.1:$METRICS"
  log_interval_seconds: 0
udp_auth:
  keys:
    - {key_id: 1, key_file: "$WORK/bench.key", sensor_name: "bench"}
tls:
  enable: true
  port: $TLS_PORT
  certificate_file: "$WORK/tls/collector.pem"
  private_key_file: "$WORK/tls/collector.key"
  client_ca_file: "$WORK/tls/ca.pem"
YAML

cleanup() {
  [ -n "${col_pid:-}" ] && kill "$col_pid" 2>/dev/null || true
  drop_fs
}
trap cleanup EXIT
now() { date +%s.%N; }
collector() { # JVM options of the collector
  start_collector "$WORK/collector.yaml" "$WORK/collector.log" "$1" "listening on udp"
}
written() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/^secureot_packets_written_total / {printf "%d", $2}'; }

# Start-up caches as the packaged launcher keeps one per daemon, recorded by the daemon's first
# run on its site (here a 200 000-packet training replay). A site's forwarder records its cache
# with its own configuration, so each forwarding mode (plaintext, TLS, SOT2) gets the cache a
# run of that mode records; the collector records one from a run that serves all three.
SPAN_OPTS=$JAVA_OPTS COL_OPTS=$JAVA_OPTS
declare -A FWD_OPTS=([tcp]=$JAVA_OPTS [tls]=$JAVA_OPTS [sot2]=$JAVA_OPTS [udp]=$JAVA_OPTS [udp-auth]=$JAVA_OPTS)
declare -A BASE_FWD_OPTS=([tcp]=$JAVA_OPTS [tls]=$JAVA_OPTS)
BASE_COL_OPTS=$JAVA_OPTS
# train_caches PREFIX COL_JAR FWD_JAR ARRAY MODE...: records the start-up cache of COL_JAR's collector
# (PREFIXcol) and, while it runs, of FWD_JAR's forwarder in each MODE (PREFIXfwd-MODE) from a training
# replay, and sets ARRAY[MODE] to the forwarder's options that use it.
train_caches() {
  local prefix=$1 col=$2 fwd=$3 mode trained=0
  local -n opts=$4
  shift 4
  fresh_fs
  COL=$col collector "$JAVA_OPTS $(startup_cache "${prefix}col" record)"
  for mode in "$@"; do
    local_config "$WORK/fwd.yaml" "$FS/local-$mode" "$([ "$mode" = sot2 ] && echo tcp || echo "$mode")" \
      "$([ "$mode" = sot2 ] && echo sot2 || true)"
    "$JAVA" $JAVA_OPTS $(startup_cache "${prefix}fwd-$mode" record) -jar "$fwd" -r "$train" "$WORK/fwd.yaml" > /dev/null 2>&1
    trained=$((trained + 200000))
    for _ in $(seq 100); do [ "$(written)" = "$trained" ] && break; sleep 0.1; done
    opts[$mode]="$JAVA_OPTS $(startup_cache "${prefix}fwd-$mode" use)"
  done
  stop_collector
}
cache_note=
if startup_cache_enabled; then
  train=$(training_input)
  rm -f "$WORK"/*.aot "$WORK"/*.jsa
  fresh_fs; local_config "$WORK/span.yaml" "$FS/local"
  "$JAVA" $JAVA_OPTS $(startup_cache span record) -jar "$SPAN" -r "$train" "$WORK/span.yaml" > /dev/null 2>&1
  train_caches "" "$COL" "$FWD" FWD_OPTS tcp tls sot2
  if [ -n "${BASE:-}" ]; then
    train_caches base- "$BASE_COL" "$BASE_FWD" BASE_FWD_OPTS tcp tls
    BASE_COL_OPTS="$JAVA_OPTS $(startup_cache base-col use)"
  fi
  SPAN_OPTS="$JAVA_OPTS $(startup_cache span use)" COL_OPTS="$JAVA_OPTS $(startup_cache col use)"
  cache_note=", each daemon with the launcher's $(startup_cache_name) (the forwarder's recorded per mode)"
fi

# reference: the offline replay rate of sniffer-span-pcap on the same file
reference() { # -> "seconds cpu" of one sniffer-span-pcap -r run
  local t0 t1
  fresh_fs; local_config "$WORK/span.yaml" "$FS/local"
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$WORK/span.time" "$JAVA" $SPAN_OPTS -jar "$SPAN" -r "$input" "$WORK/span.yaml" > /dev/null 2>&1
  t1=$(now)
  echo "$(echo "$t1 - $t0" | bc -l) $(awk '{printf "%.2f", $1 + $2}' "$WORK/span.time")"
}

forward() { # protocol [format] -> "seconds stored fwd_exit forwarded fwd_dropped gaps fwd_cpu col_cpu" of one run
  # (forwarded: the TCP summary's forwarded=, or UDP's sent=: a datagram the kernel accepted;
  # CPU: user + system seconds, the forwarder's whole run, the collector's from the forwarder's start)
  local t0 c0 w last t_last still fwd_exit=0
  fresh_fs; local_config "$WORK/fwd.yaml" "$FS/local" "$1" "${2:-}"
  local mode=$1 fwd=$FWD fwd_opts col=$COL col_opts=$COL_OPTS
  [ "${2:-}" != sot2 ] || mode=sot2
  fwd_opts=${FWD_OPTS[$mode]}
  if [ "${side:-ours}" = base ]; then
    fwd=$BASE_FWD fwd_opts=${BASE_FWD_OPTS[$mode]} col=$BASE_COL col_opts=$BASE_COL_OPTS
  fi
  COL=$col collector "$col_opts"
  c0=$(cpu "$col_pid")
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$WORK/fwd.time" "$JAVA" $fwd_opts -jar "$fwd" -r "$input" "$WORK/fwd.yaml" \
    > /dev/null 2> "$WORK/forwarder.log" || fwd_exit=$?
  # Then poll until the collector has written every packet, or its count stayed put for 2 s.
  last=-1; t_last=$(now); still=0
  while :; do
    w=$(written); w=${w:-0}
    if [ "$w" != "$last" ]; then last=$w; t_last=$(now); still=0; else still=$((still + 1)); fi
    if [ "$w" -ge "$PACKETS" ] || [ "$still" -ge 100 ]; then break; fi
    sleep 0.02
  done
  local col_cpu
  col_cpu=$(echo "$(cpu "$col_pid") - $c0" | bc -l)
  stop_collector
  echo "$(echo "$t_last - $t0" | bc -l) $(figure "$WORK/collector.log" written) $fwd_exit" \
    "$(figure "$WORK/forwarder.log" forwarded || true)$(figure "$WORK/forwarder.log" sent || true) $(figure "$WORK/forwarder.log" fwd_dropped_queue_full)" \
    "$(figure "$WORK/collector.log" sot1_gaps) $(awk '{printf "%.2f", $1 + $2}' "$WORK/fwd.time") $col_cpu"
}

report() { # protocol run ref-seconds-or-empty "seconds stored fwd_exit forwarded fwd_dropped gaps fwd_cpu col_cpu"
  local wall stored fwd_exit forwarded dropped gaps fwd_cpu col_cpu rate
  read -r wall stored fwd_exit forwarded dropped gaps fwd_cpu col_cpu <<< "$4"
  rate=$(echo "$stored / $wall" | bc -l)
  printf '%s run %d: %7.2f s %9.0f pkt/s end to end | stored %d of %d, loss %d (%.3f%%) | forwarder exit %d, forwarded %d, fwd_dropped_queue_full %d | collector sot1_gaps %d | ratio to offline replay %.2f' \
    "$1" "$2" "$wall" "$rate" "$stored" "$PACKETS" "$((PACKETS - stored))" \
    "$(echo "($PACKETS - $stored) * 100 / $PACKETS" | bc -l)" "$fwd_exit" "$forwarded" "$dropped" "$gaps" \
    "$(echo "$rate / $ref_rate" | bc -l)"
  [ -z "$3" ] || printf ' (%.2f to the reference run before it)' "$(echo "$rate * $3 / $PACKETS" | bc -l)"
  printf ' | CPU forwarder %.2f s + collector %.2f s = %.2f x the reference'"'"'s' "$fwd_cpu" "$col_cpu" \
    "$(echo "($fwd_cpu + $col_cpu) / $ref_cpu" | bc -l)"
  echo
}

# One untimed plaintext run first: on the VMs measured here the first run after the input is made
# came out 30-100 % slower than the next ones (it touches page-cache memory the hypervisor has not
# backed yet), which would weigh on the mode that runs first in every series. WARMUP=0 leaves it out.
[ "${WARMUP:-1}" = 0 ] || forward tcp > /dev/null
refs=() tcp=() tls=() sot2=() base_tcp=() base_tls=()
for run in $(seq "$RUNS"); do
  refs+=("$(reference)")
  tcp+=("$(forward tcp)")
  [ -z "${BASE:-}" ] || base_tcp+=("$(side=base forward tcp)")
  tls+=("$(forward tls)")
  [ -z "${BASE:-}" ] || base_tls+=("$(side=base forward tls)")
  sot2+=("$(forward tcp sot2)")
done
echo "reference runs: ${refs[*]}" >&2
ref_s=$(printf '%s\n' "${refs[@]}" | awk '{print $1}' | median)
ref_cpu=$(printf '%s\n' "${refs[@]}" | awk '{print $2}' | median)
ref_rate=$(echo "$PACKETS / $ref_s" | bc -l)

machine load
printf 'reference: sniffer-span-pcap -r, median of %d (alternating with the TCP runs): %.2f s, %.0f pkt/s, CPU %.2f s%s\n' \
  "$RUNS" "$ref_s" "$ref_rate" "$ref_cpu" "$cache_note"
for run in $(seq "$RUNS"); do
  report tcp "$run" "${refs[$((run - 1))]%% *}" "${tcp[$((run - 1))]}"
done
printf 'tcp: median %.2f of the reference rate\n' \
  "$(echo "$ref_s / $(printf '%s\n' "${tcp[@]}" | awk '{print $1}' | median)" | bc -l)"
for run in $(seq "$RUNS"); do
  report tls "$run" "${refs[$((run - 1))]%% *}" "${tls[$((run - 1))]}"
done
tcp_s=$(printf '%s\n' "${tcp[@]}" | awk '{print $1}' | median)
tls_s=$(printf '%s\n' "${tls[@]}" | awk '{print $1}' | median)
printf 'tls: median %.2f of the reference rate, %.2f of the plaintext tcp rate (target >= 0.8)\n' \
  "$(echo "$ref_s / $tls_s" | bc -l)" "$(echo "$tcp_s / $tls_s" | bc -l)"
if [ -n "${BASE:-}" ]; then
  echo "base: $BASE at $(git -C "$BASE" rev-parse --short HEAD 2>/dev/null || echo '?')"
  for run in $(seq "$RUNS"); do
    report "base tcp" "$run" "${refs[$((run - 1))]%% *}" "${base_tcp[$((run - 1))]}"
  done
  for run in $(seq "$RUNS"); do
    report "base tls" "$run" "${refs[$((run - 1))]%% *}" "${base_tls[$((run - 1))]}"
  done
  btcp_s=$(printf '%s\n' "${base_tcp[@]}" | awk '{print $1}' | median)
  btls_s=$(printf '%s\n' "${base_tls[@]}" | awk '{print $1}' | median)
  printf 'base tls: median %.2f of the reference rate, %.2f of base'"'"'s plaintext tcp rate\n' \
    "$(echo "$ref_s / $btls_s" | bc -l)" "$(echo "$btcp_s / $btls_s" | bc -l)"
fi
for run in $(seq "$RUNS"); do
  report sot2 "$run" "${refs[$((run - 1))]%% *}" "${sot2[$((run - 1))]}"
done
printf 'sot2: median %.2f of the reference rate (target 0.8)\n' \
  "$(echo "$ref_s / $(printf '%s\n' "${sot2[@]}" | awk '{print $1}' | median)" | bc -l)"
# Datagrams the collector's socket buffer cannot hold are lost (and counted as SOT1 gaps): the
# buffer it gets is capped by net.core.rmem_max (Debian: 4 MiB; docs/deployment.md raises it).
[ "${UDP:-1}" = 1 ] || exit 0
echo "udp: net.core.rmem_max $(cat /proc/sys/net/core/rmem_max) bytes (the collector asks for 16 MiB)"
for run in $(seq "$RUNS"); do
  report udp "$run" "" "$(forward udp)"
done
for run in $(seq "$RUNS"); do
  report udp-auth "$run" "" "$(forward udp-auth)"
done
