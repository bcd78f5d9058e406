#!/usr/bin/env bash
# make bench: every benchmark; results are appended to BENCHMARKS.md with the date and machine.
set -euo pipefail
BIN=$1
cd "$(dirname "$0")/.."
python3 -c "import boto3" 2>/dev/null || python3 -m pip install -q boto3
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null 2>&1 || true; }
python3 bench/bench.py "$BIN" "${@:2}"
if [ -x bench/prepush.sh ]; then bash bench/prepush.sh "$BIN"; fi
