#!/usr/bin/env bash
# Builds everything and runs every test: unit tests (*Test) and integration tests (*IT) that
# replay real captures, capture live on veth pairs (needs root) and read the results with tshark.
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B verify "$@"
