#!/usr/bin/env bash
# Builds the libFuzzer target over the reading parsers (manifest / index / config / LFS pointer / .verify-layers.yml, and the
# layout walker over them) with -sanitize=fuzzer,address and runs it for a bounded time.
#   FUZZ_SECONDS   how long to fuzz (default 300)
#   FUZZ_MAX_LEN   largest input in bytes (default 65536)
# New interesting inputs go to fuzz/work/corpus, crashes to fuzz/work/artifacts: copy a crash into fuzz/regressions/ (it is then
# replayed by `swift test` through the same harness) and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-300}"
max_len="${FUZZ_MAX_LEN:-65536}"
build=.build/fuzz
# lld: gold crashes (internal error in format_file_lineno) linking the sanitized objects.
VERIFY_LAYERS_FUZZ=1 swift build -c release --build-path "$build" --product FuzzParsers \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
[ -n "$(ls -A fuzz/corpus 2>/dev/null)" ] || python3 fuzz/make_seeds.py
mkdir -p fuzz/work/corpus fuzz/work/artifacts
exec "$build/release/FuzzParsers" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len="$max_len" \
    -artifact_prefix=fuzz/work/artifacts/ -print_final_stats=1 fuzz/work/corpus fuzz/corpus fuzz/regressions
