#!/usr/bin/env bash
# Compares two builds of sniffer-span-pcap on the offline replay of bench/offline.sh, alternating
# runs (A, B, A, B...) so that a machine that drifts affects both alike; prints the median wall
# time and CPU time (user + sys) of each. On a noisy 2-core VM a change under ~5 % needs 5+ pairs.
#   bench/ab.sh JAR_A JAR_B [HOSTS=200|10000] [PAIRS=4]
# Build the two jars first (mvn -B -o -q package -DskipTests -pl sniffer-span-pcap -am, copy the
# jar away, change, build again). JAVA and JAVA_OPTS as in bench/offline.sh; the inputs are the
# ones bench/offline.sh generates. As root each run gets a freshly made ext4 (see offline.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/ab.sh JAR_A JAR_B [HOSTS] [PAIRS]" >&2; exit 64; }
A=$(realpath "$1") B=$(realpath "$2") HOSTS=${3:-200} PAIRS=${4:-4}
. bench/lib.sh
input="$WORK/replay-$HOSTS.pcap"
[ -f "$input" ] || { echo "no $input: run bench/offline.sh once to generate it" >&2; exit 66; }
cat "$input" > /dev/null

trap drop_fs EXIT
span_config "$WORK/ab.yaml" "$FS/out"

run() { # jar -> "wall cpu"
  fresh_fs
  # shellcheck disable=SC2086 # a list of options
  /usr/bin/time -f "%e %U %S" -o "$WORK/ab-time.txt" "$JAVA" $JAVA_OPTS -jar "$1" -r "$input" "$WORK/ab.yaml" \
      > /dev/null 2> "$WORK/ab-stderr.txt" || { cat "$WORK/ab-stderr.txt" >&2; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/ab-time.txt"
}

: > "$WORK/ab-runs.txt"
for _ in $(seq "$PAIRS"); do
  echo "A $(run "$A")" >> "$WORK/ab-runs.txt"
  echo "B $(run "$B")" >> "$WORK/ab-runs.txt"
done
echo "hosts=$HOSTS pairs=$PAIRS $("$JAVA" -version 2>&1 | head -1)"
for x in A B; do
  jar=$A; [ "$x" = B ] && jar=$B
  printf '%s: wall %.2f s  cpu %.2f s (medians)  runs: %s  %s\n' "$x" \
    "$(awk -v x="$x" '$1 == x {print $2}' "$WORK/ab-runs.txt" | median)" \
    "$(awk -v x="$x" '$1 == x {print $3}' "$WORK/ab-runs.txt" | median)" \
    "$(awk -v x="$x" '$1 == x {printf "%s/%s ", $2, $3}' "$WORK/ab-runs.txt")" "$jar"
done
