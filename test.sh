#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (*Test) and integration tests (*IT) that
# replay real captures, capture live on veth pairs (needs root) and read the results with tshark.
#
# On Debian/Ubuntu it first checks the packages the tests need: as root it installs the missing
# ones (apt-get), otherwise it prints the one apt-get line to run and stops. Set
# SECUREOT_SKIP_DEPS=1 to skip that check (another distribution, or packages installed by hand).
#
# The build runs on the newest JDK of 22 or more found here, so that the jars carry both capture
# paths (FFM for Java 22+, pcap4j for Java 17) and the tests exercise both: the daemons are started
# with the `java` on the PATH (Java 17 on Debian 12) and, for the FFM path, with the build's JDK.
# Set JAVA_HOME to choose another JDK. Arguments are passed to Maven (e.g. -Dit.test=SomeIT).
set -euo pipefail
cd "$(dirname "$0")"

# Everything the build and the tests use, in one place (.ci/run only calls this script).
packages=(
  openjdk-17-jdk-headless maven          # build, and the Java 17 the daemons run on
  libpcap0.8 libpcap-dev                 # capture (libpcap.so for pcap4j)
  tcpdump tcpreplay tshark wireshark-common netcat-openbsd iproute2   # real peers and readers
  systemd dpkg-dev fakeroot              # packaging checks (systemd-analyze, dpkg-deb)
  openssl python3                        # TLS peers (openssl s_client, test certificates), many-socket test peer
  socat stunnel4                         # the third-party TLS sender recipes of docs/deployment.md (TlsSendersIT)
  locales                                # a German locale: errors are classified by errno, not English text
)

if [ -z "${SECUREOT_SKIP_DEPS:-}" ] && command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
      echo "test.sh: installing ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q
      apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
      echo "test.sh: the tests need packages that are not installed; install them with:" >&2
      echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
      echo "(then run ./test.sh again; as root, ./test.sh installs them itself)" >&2
      exit 1
    fi
  fi
fi

if [ "$(id -u)" -eq 0 ] && command -v locale-gen >/dev/null 2>&1 && ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf8$'; then
  # LocaleDiskFullIT reads a full disk's error under a German locale.
  sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen
fi

if [ "$(id -u)" -eq 0 ]; then
  # The live tests inject at tcpreplay's top speed into veth pairs; a deeper per-CPU backlog keeps
  # the kernel from dropping bursts before they reach the capture socket (what docs/deployment.md
  # recommends for probes as well).
  sysctl -qw net.core.netdev_max_backlog=100000 || true
fi

. scripts/build-jdk.sh
# For the log: the JDK that builds, the java the daemons run on, Maven.
echo "test.sh: build JDK: ${JAVA_HOME:-default}; daemons run on: $(java -version 2>&1 | head -1)"
mvn -v
exec mvn -B verify "$@"
