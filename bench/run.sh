#!/usr/bin/env bash
# make bench: every benchmark, then the targets check and BENCHMARKS.md regenerated from the run's output.
#   bench/run.sh path/to/verify-layers [bench.py options: --runs N, --quick, --only s20k,push]
# Exits non-zero when a target in bench/targets is missed (report.py prints which). --quick does not touch BENCHMARKS.md.
set -euo pipefail
BIN=$1
shift
cd "$(dirname "$0")/.."
python3 -c "import boto3" 2>/dev/null || python3 -m pip install -q boto3
command -v aws >/dev/null || python3 -m pip install -q awscli
if [ ! -x /usr/bin/time ]; then  # GNU time gives each run's own peak RSS (bench.py reports n/a without it)
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq time >/dev/null 2>&1 || echo "bench: could not install GNU time; peak RSS will show as n/a" >&2
fi
command -v git-lfs >/dev/null || { echo "bench: git-lfs is not installed (make deps)" >&2; exit 2; }
# The binary is measured as installed, not as just written: a file written moments ago sits in the page cache as large
# dirty folios that a run maps whole, which added up to 7 MiB of file pages to the peak RSS of the same binary
# (--version: 16.6 MiB just built, 9.8 MiB from a copy written with O_DIRECT, as an installed file is read back).
# The copy is written with O_DIRECT so its pages enter the cache as a run reads them (plain cp where O_DIRECT fails).
MEASURED=$(dirname "$BIN")/verify-layers.measured
rm -f "$MEASURED"
dd if="$BIN" of="$MEASURED" bs=1M oflag=direct status=none 2>/dev/null || cp "$BIN" "$MEASURED"
chmod +x "$MEASURED"
BIN=$MEASURED
OUT=${BENCH_RESULTS:-.build/bench-results.json}
mkdir -p "$(dirname "$OUT")"
python3 bench/bench.py "$BIN" --out "$OUT" "$@"
case " $* " in
  *" --quick "*|*" --only "*) python3 bench/report.py "$OUT" ;;
  *) python3 bench/report.py "$OUT" --markdown BENCHMARKS.md ;;
esac
