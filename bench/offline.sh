#!/usr/bin/env bash
# Benchmark 1 and 4 of docs/performance.md: offline routed replay against tcpdump.
#   bench/offline.sh [RUNS]      (default 5 alternating runs each; needs tcpdump, GNU time)
# Generates its inputs (2 M Ethernet/IPv4/TCP packets, 60-1000 bytes, 3 hours; 200 hosts and
# 10 000 hosts), replays them with sniffer-span-pcap --read-file and default_output_prefix
# "host_{src_ip}", and `tcpdump -r IN -w OUT` into one file, alternating, on warm page cache.
# Prints wall time, packets/s, CPU seconds (user + system) and peak RSS of each, the median
# ratios, and the 10k/200 ratio. All four (ours and tcpdump's, 200 and 10 000 hosts) alternate,
# run after run. Then the steady state: LONG_RUNS (default 3) alternating pairs on a 10 M-packet
# input of 200 hosts (LONG_PACKETS; 5.3 GB, written once to $WORK), where the JVM's start-up and
# warm-up weigh five times less.
# As root, each run (ours and tcpdump's) writes into a freshly made ext4 (fresh_fs in lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
PACKETS=${PACKETS:-2000000}
. bench/lib.sh
need_jars
generate "$WORK/replay-200.pcap" "$PACKETS" 200 3
generate "$WORK/replay-10000.pcap" "$PACKETS" 10000 3

LONG_PACKETS=${LONG_PACKETS:-10000000}
LONG_RUNS=${LONG_RUNS:-3}
# run LABEL CMD... -> prints "wall rss cpu" (seconds, KiB, user + system seconds)
measure() {
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$@" > /dev/null 2> "$WORK/stderr.txt" || {
    echo "FAILED: $*" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$WORK/time.txt"
}

trap drop_fs EXIT

# One run of ours and one of tcpdump on the input of HOSTS (KEY names the input and its figures);
# appends "key ours tcpdump rss files ours-cpu tcpdump-cpu". Which of the two goes first changes
# from one pair of a KEY to its next: on the VMs measured here (free memory handed back to the
# hypervisor within seconds) the first run after a pause pays for re-backing the memory it
# touches, up to twice its CPU, and that must not fall on the same side every time.
declare -A pairs
run_once() { # key [input]
  local in=${2:-$WORK/replay-$1.pcap} w r c tw tc files n=${pairs[$1]:-0}
  pairs[$1]=$((n + 1))
  if [ $((n % 2)) = 1 ]; then
    ours_once "$in"; tcpdump_once "$in"
  else
    tcpdump_once "$in"; ours_once "$in"
  fi
  echo "$1 $w $tw $r $files $c $tc" >> "$WORK/offline-runs.txt"
}
ours_once() { # input -> sets w r c files
  fresh_fs; span_config "$WORK/bench.yaml" "$FS/out"
  read -r w r c < <(measure "$JAVA" $JAVA_OPTS -jar "$SPAN" -r "$1" "$WORK/bench.yaml")
  files=$(ls "$FS/out" | wc -l)
}
tcpdump_once() { # input -> sets tw tc
  fresh_fs
  read -r tw _ tc < <(measure tcpdump -r "$1" -w "$FS/td.pcap")
}

report() { # key packets label
  local mo mt rss files co ct
  mo=$(awk -v h="$1" '$1 == h {print $2}' "$WORK/offline-runs.txt" | median)
  mt=$(awk -v h="$1" '$1 == h {print $3}' "$WORK/offline-runs.txt" | median)
  co=$(awk -v h="$1" '$1 == h {print $6}' "$WORK/offline-runs.txt" | median)
  ct=$(awk -v h="$1" '$1 == h {print $7}' "$WORK/offline-runs.txt" | median)
  rss=$(awk -v h="$1" '$1 == h && $4 > m {m = $4} END {print m}' "$WORK/offline-runs.txt")
  files=$(awk -v h="$1" '$1 == h {f = $5} END {print f}' "$WORK/offline-runs.txt")
  printf '%-22s hosts=%-6s files=%-5s ours: %6.2f s %9.0f pkt/s CPU %6.2f s peak RSS %4d MiB | tcpdump: %6.2f s %9.0f pkt/s CPU %6.2f s | ratio %.2f, CPU ours/tcpdump %.2f\n' \
    "$3" "${1%%-*}" "$files" "$mo" "$(echo "$2 / $mo" | bc -l)" "$co" $((rss / 1024)) \
    "$mt" "$(echo "$2 / $mt" | bc -l)" "$ct" "$(echo "$mt / $mo" | bc -l)" "$(echo "$co / $ct" | bc -l)"
  echo "$mo" > "$WORK/median-$1"
}

# Start-up cache as the packaged launcher keeps one, recorded by a first run of the daemon (here a
# 200 000-packet training replay).
aot_note=
if startup_cache_enabled; then
  rm -f "$WORK/span.aot" "$WORK/span.jsa"; fresh_fs; span_config "$WORK/bench.yaml" "$FS/out"
  # shellcheck disable=SC2046 # a list of options
  "$JAVA" $JAVA_OPTS $(startup_cache span record) -jar "$SPAN" -r "$(training_input)" "$WORK/bench.yaml" > /dev/null 2>&1
  JAVA_OPTS="$JAVA_OPTS $(startup_cache span use)"
  aot_note=", with the launcher's $(startup_cache_name)"
fi

machine
echo "runs: $RUNS alternating, $PACKETS packets each, medians$aot_note"
# The two inputs alternate too, so that a machine that drifts (a shared VM does, by 10 % over
# minutes) moves both sides of the 10k/200 ratio alike.
for h in 200 10000; do cat "$WORK/replay-$h.pcap" > /dev/null; done
# One untimed pair first, as in bench/live.sh and bench/forward.sh: the first runs after the inputs
# are made touch memory the hypervisor has not backed yet. WARMUP=0 leaves it out.
[ "${WARMUP:-1}" = 0 ] || run_once warm-up "$WORK/replay-200.pcap"
: > "$WORK/offline-runs.txt"
for _ in $(seq "$RUNS"); do
  run_once 200
  run_once 10000
done
report 200 "$PACKETS" "offline routed replay"
report 10000 "$PACKETS" "offline routed replay"
printf 'scale of routes: 10 000 hosts run at %.2f of the 200-host rate (target >= 0.5)\n' \
  "$(echo "$(cat "$WORK/median-200") / $(cat "$WORK/median-10000")" | bc -l)"

if [ "$LONG_RUNS" -gt 0 ]; then
  generate "$WORK/replay-200-long.pcap" "$LONG_PACKETS" 200 3
  cat "$WORK/replay-200-long.pcap" > /dev/null
  echo "steady state: $LONG_RUNS alternating runs, $LONG_PACKETS packets, 200 hosts, medians"
  for _ in $(seq "$LONG_RUNS"); do
    run_once 200-long "$WORK/replay-200-long.pcap"
  done
  report 200-long "$LONG_PACKETS" "long routed replay"
fi
