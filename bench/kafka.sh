#!/usr/bin/env bash
# Benchmark 6 of docs/performance.md: the consume rate of a collector in a Kafka consumer group
# next to the receive rate of a direct TCP collector, on the same machine, same input, same files.
#   bench/kafka.sh [RUNS]      (default 3 runs of each, alternating; needs curl, python3)
#   KAFKA_COL_EXTRA="-XX:StartFlightRecording=filename=/tmp/k.jfr" adds JVM options to the Kafka collector (a profile);
#   KAFKA_COL_PROPS="    fetch.max.bytes: 67108864" adds lines under its kafka.properties (4 spaces of indent)
#   KAFKA_COL_A=/tmp/one.jar runs the collectors from that jar instead of the build's;
#   KAFKA_COL_B=/tmp/other.jar also runs a Kafka collector from that jar after each kafka run (an A/B
#   comparison in alternating runs: tcp, kafka, kafka-b, tcp, ...);
#   KAFKA_COL_B_PROPS gives kafka-b its own kafka.properties lines instead of KAFKA_COL_PROPS (an A/B of
#   two settings: KAFKA_COL_B set to the same jar as KAFKA_COL_A, or to the build's)
#   KAFKA_AOT=1 runs both collectors with the launcher's start-up cache (one training run of each first)
#   KAFKA_THREADS=1 lists both collectors' busiest threads (CPU since their start) after each run
#   KAFKA_DRAIN=1 also runs the Kafka client alone after each kafka run (bench/KafkaDrain.java: the
#   collector's consumer defaults, nothing behind them), the client's and the broker's ceiling here
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java runs the broker and the daemons on that JVM
# Starts a real single-node Kafka (KRaft, kafka_2.13 from e2e-tests' test classpath, built when
# missing), publishes the input once with `sniffer-span-forwarder -r` (forward.protocol kafka,
# one sensor), then per run:
#   tcp:   a collector with protocol tcp; the input file itself (a pcap file is a PCAP-over-IP
#          stream) is written into one connection from bash; time = from the connection to the
#          collector's secureot_packets_written_total reaching the input's packet count;
#   kafka: a collector with protocol kafka in a new group (so it reads the topic from its start);
#          time = from its first record (its log line's timestamp) to the same written count.
# Both collectors poll-free until then except for the written counter (curl every 50 ms of that
# one series, the same for both), write one file series (one sender, one sensor) into a fresh ext4 as root, and use the
# launcher's JVM options. Ratio = kafka rate / tcp rate (target of issue 19: >= 0.8).
# "2nd half": the rate from the half-way mark of the written count to the end, past the start-up
# and most of the JIT's work (the Kafka client's code is compiled during the first seconds). Only
# long runs give it a meaning (PACKETS=5000000): in a 1-2 s run the half-way mark and the end are a
# few of the written counter's steps apart (it moves by whole batches, polled every 50 ms).
# CPU (user+sys, s): the collector's from when it is ready (tcp: listening; kafka: subscribed) to
# the written count; "consume" is the kafka-consume thread's share; "broker" the broker's meanwhile.
# shellcheck disable=SC2086
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PACKETS=${PACKETS:-1000000}
KPORT=${KAFKA_PORT:-15880}
CPORT=${KAFKA_CONTROLLER_PORT:-15881}
PORT=${PORT:-15882}
METRICS=${METRICS_PORT:-15883}
. bench/lib.sh
need_jars
COL=${KAFKA_COL_A:-$COL}
CP_FILE=e2e-tests/target/kafka-broker.classpath
[ -f "$CP_FILE" ] || mvn -B -q -pl e2e-tests -am package -DskipTests
BROKER_CP=$(cat "$CP_FILE")

input="$WORK/kafka-input-$PACKETS.pcap"
generate "$input" "$PACKETS" 200 3
cat "$input" > /dev/null

kdir="$WORK/kafka"
rm -rf "$kdir"; mkdir -p "$kdir"
cat > "$kdir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$kdir/data
num.partitions=8
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
# Kafka's own id: never starting with '-', which StorageTool would take for an option
cluster=$("$JAVA" -cp "$BROKER_CP" kafka.tools.StorageTool random-uuid 2> /dev/null | tail -1)
"$JAVA" -cp "$BROKER_CP" kafka.tools.StorageTool format -t "$cluster" -c "$kdir/server.properties" > /dev/null 2>&1

col_pid= broker_pid=
cleanup() {
  [ -n "$col_pid" ] && kill "$col_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  drop_fs
}
trap cleanup EXIT
"$JAVA" -Xmx1g -cp "$BROKER_CP" kafka.Kafka "$kdir/server.properties" > "$kdir/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$KPORT) 2>/dev/null && break; sleep 0.2; done

now() { date +%s.%N; }
# Only the one series (the endpoint's name[] filter): the whole page, polled every 50 ms, would cost
# each collector a CPU second per run while the JIT compiles the text writer (not what a
# Prometheus scraping every 15 s costs).
written() { curl -s "http://127.0.0.1:$METRICS/metrics?name[]=secureot_packets_written_total" | awk '/^secureot_packets_written_total / {printf "%d", $2}'; }
await_written() { # count -> prints the time it was reached
  local w
  while w=$(written); [ "${w:-0}" -lt "$1" ]; do
    kill -0 "$col_pid" 2>/dev/null || { echo "collector died; log:" >&2; tail "$WORK/collector.log" >&2; exit 1; }
    sleep 0.05
  done
  now
}

# Publish the input once (the topic is created by the first metadata request, 8 partitions).
fresh_fs
span_config "$WORK/fwd-kafka.yaml" "$FS/forwarder"
cat >> "$WORK/fwd-kafka.yaml" <<YAML
metrics:
  log_interval_seconds: 0
forward:
  enable: true
  protocol: kafka
  sensor_id: "bench-1"
  # Every packet goes through the spool: room for the whole input, and time to publish it all.
  drain_timeout_seconds: 600
  spool:
    max_size_mb: 4096
  kafka:
    bootstrap_servers: "127.0.0.1:$KPORT"
    topic: "bench"
YAML
t0=$(now)
"$JAVA" $JAVA_OPTS -jar "$FWD" -r "$input" "$WORK/fwd-kafka.yaml" > /dev/null 2> "$WORK/fwd-kafka.log"
t1=$(now)
machine load
echo "publish: $(figure "$WORK/fwd-kafka.log" forwarded) of $PACKETS packets forwarded in $(echo "$t1 - $t0" | bc) s (forwarder -r, local files too), kafka_records $(figure "$WORK/fwd-kafka.log" kafka_records), fwd errors $(figure "$WORK/fwd-kafka.log" kafka_errors)"

collector_config() { # file protocol [group [kafka.properties lines]]
  if [ "$2" = kafka ]; then
    local props=${4:-}
    cat > "$1" <<YAML
protocol: kafka
kafka:
  bootstrap_servers: "127.0.0.1:$KPORT"
  topic: "bench"
  group_id: "$3"
${props:+  properties:
$props}
default_output_prefix: "kafka_{sender_name}"
YAML
  else
    cat > "$1" <<YAML
port: $PORT
protocol: tcp
bind_address: "127.0.0.1"
default_output_prefix: "remote_{sender_ip}"
YAML
  fi
  cat >> "$1" <<YAML
output_directories:
  pcap_raw_output_path: "$FS/collector"
rotation:
  timezone: "UTC"
  flush_interval_ms: 100
metrics:
  listen: "127.0.0.1:$METRICS"
  log_interval_seconds: 0
YAML
}

threads() { # pid -> its busiest threads, CPU (user+sys) since its start
  local t
  for t in /proc/"$1"/task/*; do
    awk -v hz="$(getconf CLK_TCK)" -v n="$(cat "$t/comm")" '{sub(/^.*\) /, ""); printf "  %7.2f s %s\n", ($12 + $13) / hz, n}' "$t/stat"
  done | sort -rn | head -10
}

thread_cpu() { # pid thread-name -> user+sys seconds of that thread
  local t
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then
      awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "$t/stat"; return
    fi
  done
  echo 0
}

kafka_run() { # label run jar kafka.properties-lines -> the rate on stdout's last line
  local c0 b0 c1 b1 consume t0 th t1 secs rate first half
  fresh_fs
  collector_config "$WORK/col-kafka.yaml" kafka "bench-$2-$1-$RANDOM" "$4"
  COL=$3 start_collector "$WORK/col-kafka.yaml" "$WORK/collector.log" "$JAVA_OPTS $KAFKA_CACHE ${KAFKA_COL_EXTRA:-}" \
    "kafka: consuming topic"
  c0=$(cpu "$col_pid") b0=$(cpu "$broker_pid")
  th=$(await_written $((PACKETS / 2)))
  t1=$(await_written "$PACKETS")
  c1=$(cpu "$col_pid") b1=$(cpu "$broker_pid") consume=$(thread_cpu "$col_pid" kafka-consume)
  [ -n "${KAFKA_THREADS:-}" ] && threads "$col_pid" >&2
  first=$(grep -m1 "first record of sensor" "$WORK/collector.log" | cut -d' ' -f1)
  t0=$(date -d "$first" +%s.%N)
  stop_collector
  secs=$(echo "$t1 - $t0" | bc)
  rate=$(echo "$PACKETS / $secs" | bc)
  half=$(echo "($PACKETS / 2) / ($t1 - $th)" | bc)
  echo "$1 run $2: $(printf '%6.2f' "$secs") s $(printf '%8d' "$rate") pkt/s, 2nd half $half pkt/s" \
    "(to tcp's $(echo "scale=2; $half / ${tcp_halves[-1]}" | bc)) | cpu $(echo "$c1 - $c0" | bc) s" \
    "(consume $consume), broker $(echo "$b1 - $b0" | bc) s | stored $(figure "$WORK/collector.log" written) of" \
    "$PACKETS, kafka_duplicates $(figure "$WORK/collector.log" kafka_duplicates), ratio to the tcp run before it" \
    "$(echo "scale=2; $rate / ${tcp_rates[-1]}" | bc)" >&2
  echo "$rate $half"
}

# KAFKA_AOT=1: both collectors with the launcher's start-up cache (Java 25+: an ahead-of-time cache
# with method profiles; 13-24: a class-data-sharing archive), recorded by one training run of each
# (the TCP one on the 200 000-packet training input, the Kafka one reading the whole topic).
TCP_CACHE= KAFKA_CACHE=
if [ "${KAFKA_AOT:-0}" = 1 ] && startup_cache_enabled; then
  train=$(training_input)
  train_packets=200000
  fresh_fs
  collector_config "$WORK/col-tcp.yaml" tcp
  start_collector "$WORK/col-tcp.yaml" "$WORK/collector.log" "$JAVA_OPTS $(startup_cache col-tcp record)" "listening on tcp"
  cat "$train" > /dev/tcp/127.0.0.1/$PORT
  await_written "$train_packets" > /dev/null
  stop_collector
  fresh_fs
  collector_config "$WORK/col-kafka.yaml" kafka "bench-train-$RANDOM" "${KAFKA_COL_PROPS:-}"
  start_collector "$WORK/col-kafka.yaml" "$WORK/collector.log" "$JAVA_OPTS $(startup_cache col-kafka record)"
  await_written "$PACKETS" > /dev/null
  stop_collector
  TCP_CACHE=$(startup_cache col-tcp use) KAFKA_CACHE=$(startup_cache col-kafka use)
  echo "start-up cache: $(startup_cache_name), recorded by one training run of each collector"
fi

tcp_rates=() tcp_halves=() kafka_rates=() kafka_halves=() b_rates=() b_halves=()
for run in $(seq "$RUNS"); do
  fresh_fs
  collector_config "$WORK/col-tcp.yaml" tcp
  start_collector "$WORK/col-tcp.yaml" "$WORK/collector.log" "$JAVA_OPTS $TCP_CACHE" "listening on tcp"
  c0=$(cpu "$col_pid")
  t0=$(now)
  cat "$input" > /dev/tcp/127.0.0.1/$PORT &
  cat_pid=$!
  th=$(await_written $((PACKETS / 2)))
  t1=$(await_written "$PACKETS")
  wait "$cat_pid"
  c1=$(cpu "$col_pid")
  [ -n "${KAFKA_THREADS:-}" ] && threads "$col_pid"
  stop_collector
  secs=$(echo "$t1 - $t0" | bc)
  rate=$(echo "$PACKETS / $secs" | bc)
  tcp_rates+=("$rate")
  tcp_halves+=("$(echo "($PACKETS / 2) / ($t1 - $th)" | bc)")
  echo "tcp run $run:   $(printf '%6.2f' "$secs") s $(printf '%8d' "$rate") pkt/s, 2nd half ${tcp_halves[-1]} pkt/s | cpu $(echo "$c1 - $c0" | bc) s | stored $(figure "$WORK/collector.log" written) of $PACKETS"

  read -r rate half < <(kafka_run kafka "$run" "$COL" "${KAFKA_COL_PROPS:-}")
  kafka_rates+=("$rate") kafka_halves+=("$half")
  if [ -n "${KAFKA_COL_B:-}" ]; then
    read -r rate half < <(kafka_run kafka-b "$run" "$KAFKA_COL_B" "${KAFKA_COL_B_PROPS-${KAFKA_COL_PROPS:-}}")
    b_rates+=("$rate") b_halves+=("$half")
  fi
  if [ "${KAFKA_DRAIN:-0}" = 1 ]; then
    b0=$(cpu "$broker_pid")
    "$JAVA" $JAVA_OPTS -cp "$BROKER_CP" bench/KafkaDrain.java "127.0.0.1:$KPORT" bench "bench-drain-$run-$RANDOM" \
      "$(figure "$WORK/fwd-kafka.log" kafka_records)" > "$WORK/drain.log" 2>&1 || true
    line=$(grep '^drain:' "$WORK/drain.log") || { echo "drain failed; log:" >&2; tail "$WORK/drain.log" >&2; exit 1; }
    secs=${line% s}; secs=${secs##* }
    echo "drain run $run: $(printf '%6.2f' "$secs") s $(printf '%8d' "$(echo "$PACKETS / $secs" | bc)") pkt/s (the Kafka client alone; $line), broker $(echo "$(cpu "$broker_pid") - $b0" | bc) s"
  fi
done
tcp_median=$(printf '%s\n' "${tcp_rates[@]}" | median)
kafka_median=$(printf '%s\n' "${kafka_rates[@]}" | median)
echo "median: tcp $tcp_median pkt/s, kafka $kafka_median pkt/s, ratio $(echo "scale=2; $kafka_median / $tcp_median" | bc) (target >= 0.8)"
echo "median 2nd half: tcp $(printf '%s\n' "${tcp_halves[@]}" | median) pkt/s, kafka $(printf '%s\n' "${kafka_halves[@]}" | median) pkt/s"
if [ -n "${KAFKA_COL_B:-}" ]; then
  b_median=$(printf '%s\n' "${b_rates[@]}" | median)
  echo "median: kafka-b ($KAFKA_COL_B) $b_median pkt/s, ratio $(echo "scale=2; $b_median / $tcp_median" | bc), to kafka $(echo "scale=2; $b_median / $kafka_median" | bc); 2nd half $(printf '%s\n' "${b_halves[@]}" | median) pkt/s"
fi
machine load
