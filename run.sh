#!/usr/bin/env bash
# Runs the SecureOT sniffers from a fresh clone in one command:
#
#   ./run.sh                      replay a generated sample capture through sniffer-span-pcap
#                                 (docs/examples/sniffer-span-pcap-demo.yaml) into /tmp/secureot-demo
#   ./run.sh --interface eth0     capture live on eth0 into /tmp/secureot-live until Ctrl-C
#                                 (or --seconds N); needs root or CAP_NET_RAW/CAP_NET_ADMIN
#   ./run.sh --demo forward       replay the sample through sniffer-span-forwarder to a
#                                 sniffer-remote-pcap collector on this machine (plaintext TCP)
#   ./run.sh --install-deps ...   as root: install what is missing first (apt-get)
#
# It checks for Java 17+ and libpcap (and a JDK and Maven when it must build), builds the jars
# only when they are absent or older than the sources, and prints the files written, the packets
# each holds and the daemon's own final summary.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
args=("$@")

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

mode=replay
interface=
seconds=0
install_deps=
while (($#)); do
  case "$1" in
    --interface) interface=${2:?--interface needs a name}; mode=live; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --demo)
      case "${2:-}" in
        replay|forward) mode=$2 ;;
        *) echo "run.sh: --demo takes replay or forward" >&2; exit 64 ;;
      esac
      shift 2 ;;
    --install-deps) install_deps=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 64 ;;
  esac
done
case "$seconds" in *[!0-9]*) echo "run.sh: --seconds takes a whole number" >&2; exit 64 ;; esac

jars=(sniffer-span-pcap/target/sniffer-span-pcap.jar sniffer-span-forwarder/target/sniffer-span-forwarder.jar
      sniffer-remote-pcap/target/sniffer-remote-pcap.jar)

# ---- what is needed, and what is missing ------------------------------------------------------

java_major() { # the feature version of a java binary, or nothing
  "$1" -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -1
}

needs_build() {
  local jar
  for jar in "${jars[@]}"; do
    [ -s "$jar" ] || return 0
    if [ -n "$(find pom.xml common-pcap sniffer-span-pcap sniffer-span-forwarder sniffer-remote-pcap \
                 -path '*/target' -prune -o -type f -newer "$jar" -print -quit)" ]; then
      return 0
    fi
  done
  return 1
}

have_libpcap() {
  ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' && return 0
  ls /usr/lib/*/libpcap.so* /lib/*/libpcap.so* /usr/lib/libpcap.so* /usr/lib64/libpcap.so* >/dev/null 2>&1
}

. scripts/build-jdk.sh
build=
needs_build && build=1
missing=()
run_java=$(command -v java || true)
if [ -z "$run_java" ] || [ "$(java_major "$run_java")" -lt 17 ] 2>/dev/null; then
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 17 ]; then
    run_java=$JAVA_HOME/bin/java
  else
    run_java=
    missing+=(openjdk-17-jdk-headless)
  fi
fi
if [ -n "$build" ]; then
  javac=${JAVA_HOME:+$JAVA_HOME/bin/javac}
  javac=${javac:-$(command -v javac || true)}
  if { [ -z "$javac" ] || [ ! -x "$javac" ] || [ "$(java_major "${javac%c}")" -lt 17 ]; } \
     && [[ " ${missing[*]} " != *" openjdk-17-jdk-headless "* ]]; then
    missing+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
fi
have_libpcap || missing+=(libpcap0.8)

if ((${#missing[@]})); then
  if [ -n "$install_deps" ] && [ -z "${SECUREOT_RUN_INSTALLED:-}" ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "run.sh: --install-deps installs with apt-get and needs root: sudo ./run.sh --install-deps" >&2
      exit 1
    fi
    echo "run.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
    # Once more from the top, now that java and mvn are on the PATH (never a second install).
    SECUREOT_RUN_INSTALLED=1 exec "$0" "${args[@]}"
  fi
  echo "run.sh: missing: ${missing[*]} (Java 17 or later, libpcap${build:+, and a JDK 17+ with Maven to build})." >&2
  if command -v apt-get >/dev/null 2>&1; then
    echo "Install with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "or let this script do it:  sudo ./run.sh --install-deps" >&2
  else
    echo "Install a JDK 17+, Maven and libpcap with your distribution's package manager." >&2
  fi
  exit 1
fi

# ---- build (only when needed) -----------------------------------------------------------------

if [ -n "$build" ]; then
  echo "run.sh: building the jars (JDK: ${JAVA_HOME:-the default one}); this takes a minute or two the first time"
  mvn -B -q package -DskipTests -pl sniffer-span-pcap,sniffer-span-forwarder,sniffer-remote-pcap -am
else
  echo "run.sh: the jars are up to date (sniffer-*/target/*.jar)"
fi
span_jar=$here/${jars[0]}
forwarder_jar=$here/${jars[1]}
collector_jar=$here/${jars[2]}

summary() { # the files of a folder: packets and time span each, read back with the daemons' reader
  "$run_java" -cp "$span_jar" com.secureot.pcap.tools.CaptureSummary "$@"
}

clear_pcaps() { # earlier demo files of the same hours would be appended to
  local dir
  for dir in "$@"; do
    if [ -d "$dir" ]; then find "$dir" -maxdepth 1 -name '*.pcap' -delete; fi
  done
}

sample=${TMPDIR:-/tmp}/secureot-sample.pcap
make_sample() {
  "$run_java" -cp "$span_jar" com.secureot.pcap.tools.TrafficGenerator --packets 20000 --hosts 20 --hours 2 "$sample"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/secureot-run.XXXXXX")
collector_pid=
cleanup() {
  if [ -n "$collector_pid" ] && kill -0 "$collector_pid" 2>/dev/null; then kill -TERM "$collector_pid"; wait "$collector_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "run.sh: daemons run on $("$run_java" -version 2>&1 | head -1)"
case "$mode" in
  replay)
    out=/tmp/secureot-demo
    make_sample
    clear_pcaps "$out"
    echo "run.sh: replaying $sample through sniffer-span-pcap (docs/examples/sniffer-span-pcap-demo.yaml)"
    "$run_java" -jar "$span_jar" -r "$sample" docs/examples/sniffer-span-pcap-demo.yaml
    echo
    echo "Files in $out (one per routing prefix and hour):"
    summary "$out"
    cat <<EOT

Next steps:
  - read a file back:                tcpdump -nr $out/traffic_scada_server_20231114_22.pcap | head
  - change the routing:              edit docs/examples/sniffer-span-pcap-demo.yaml (keys: docs/configuration.md)
  - capture live on an interface:    sudo ./run.sh --interface eth0 [--seconds 30]
  - forwarder to collector, here:    ./run.sh --demo forward
  - install as a service:            docs/deployment.md; tests: ./test.sh
EOT
    ;;

  live)
    out=/tmp/secureot-live
    config=$work/sniffer-span-pcap-live.yaml
    sed -e "s#^\(  interface:\).*#\1 \"$interface\"#" -e "s#^\(  pcap_raw_output_path:\).*#\1 \"$out\"#" \
        docs/examples/sniffer-span-pcap-demo.yaml > "$config"
    "$run_java" -jar "$span_jar" --check-config "$config"
    clear_pcaps "$out"
    if ((seconds > 0)); then
      echo "run.sh: capturing on $interface into $out for $seconds s (Ctrl-C stops earlier)"
      # In the background (to stop it on time) a job ignores SIGINT: Ctrl-C is passed on as SIGTERM.
      "$run_java" -jar "$span_jar" "$config" &
      pid=$!
      trap 'kill -TERM $pid 2>/dev/null || true' INT
      for ((i = 0; i < seconds; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -TERM "$pid" 2>/dev/null || true
      status=0; wait "$pid" || status=$?
      trap - INT
    else
      echo "run.sh: capturing on $interface into $out; Ctrl-C stops it (files are flushed and closed)"
      status=0; "$run_java" -jar "$span_jar" "$config" || status=$?
    fi
    if ((status != 0)); then
      echo "run.sh: sniffer-span-pcap exited $status (see its error above; exit codes: README.md)" >&2
      exit "$status"
    fi
    echo
    echo "Files in $out:"
    summary "$out"
    echo
    echo "Next: set capture.interface and the routing rules in your own copy of the config and run it as a service (docs/deployment.md)."
    ;;

  forward)
    collector_out=/tmp/secureot-demo-collector
    forwarder_out=/tmp/secureot-demo-forwarder
    port=5000
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    sed "s#^port:.*#port: $port#" docs/examples/sniffer-remote-pcap-demo.yaml > "$work/collector.yaml"
    sed "s#^\(  port:\).*#\1 $port#" docs/examples/sniffer-span-forwarder-demo.yaml > "$work/forwarder.yaml"
    make_sample
    clear_pcaps "$collector_out" "$forwarder_out"
    echo "run.sh: starting the collector (docs/examples/sniffer-remote-pcap-demo.yaml, tcp port $port)"
    "$run_java" -jar "$collector_jar" "$work/collector.yaml" 2> "$work/collector.log" &
    collector_pid=$!
    for ((i = 0; i < 600; i++)); do
      grep -q "listening on tcp" "$work/collector.log" && break
      if ! kill -0 "$collector_pid" 2>/dev/null; then
        cat "$work/collector.log" >&2; echo "run.sh: the collector did not start" >&2; exit 1
      fi
      sleep 0.1
    done
    sed 's/^/  collector | /' "$work/collector.log"
    echo "run.sh: replaying $sample through sniffer-span-forwarder (docs/examples/sniffer-span-forwarder-demo.yaml)"
    set +e
    "$run_java" -jar "$forwarder_jar" -r "$sample" "$work/forwarder.yaml" 2>&1 | sed 's/^/  forwarder | /'
    status=${PIPESTATUS[0]}
    set -e
    echo "run.sh: stopping the collector (SIGTERM: it finishes what it received, flushes and closes its files)"
    kill -TERM "$collector_pid"
    wait "$collector_pid" || true
    collector_pid=
    grep -E "final: |sender " "$work/collector.log" | sed 's/^/  collector | /'
    echo
    echo "The forwarder's local backup, $forwarder_out (split by the packets' addresses):"
    summary "$forwarder_out"
    echo
    echo "What the collector stored, $collector_out (split by sender):"
    summary "$collector_out"
    cat <<EOT

The same by hand, and with TLS between the two: README.md ("Forwarder to collector on one
machine") and docs/deployment.md.
EOT
    if ((status != 0)); then
      echo "run.sh: the forwarder exited $status" >&2
      exit "$status"
    fi
    ;;
esac
