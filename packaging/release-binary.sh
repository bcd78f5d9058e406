#!/usr/bin/env bash
# packaging/release-binary.sh OUT: only the release binary, built exactly as `make dist` builds it (static Swift runtime,
# stamped, stripped, checked), at OUT; `make bench` measures this binary. Incremental: it shares make dist's build dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out_binary=$(realpath -m "$1")
eval "$(packaging/version.sh)"
work=$root/packaging/work/release-binary
scratch=${DIST_SCRATCH_PATH:-$root/.build-dist}
mkdir -p "$work"
# shellcheck source=packaging/release-build.sh
source packaging/release-build.sh
build_release_binary "$out_binary"
