#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (*Test) and integration tests (*IT) that
# replay real captures, capture live on veth pairs (needs root) and read the results with tshark.
#
# The build runs on the newest JDK of 22 or more found here, so that the jars carry both capture
# paths (FFM for Java 22+, pcap4j for Java 17) and the tests exercise both: the daemons are started
# with the `java` on the PATH (Java 17 on Debian 12) and, for the FFM path, with the build's JDK.
# Set JAVA_HOME to choose another JDK.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/*; do
    v=$("$j/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1) || continue
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "${best:-0}" ]; then best=$v; export JAVA_HOME=$j; fi
  done
fi
exec mvn -B verify "$@"
