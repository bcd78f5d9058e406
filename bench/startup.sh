#!/usr/bin/env bash
# Start-up of the release binary, measured with hyperfine, written into BENCHMARKS.md between the
# `<!-- startup:begin -->` and `<!-- startup:end -->` markers (figures are never typed by hand):
#   - `verify-layers --version`;
#   - a no-op pre-push: a push whose commits touch no image output (a README change), through `verify-layers pre-push`
#     and through `git lfs pre-push` on the same push and stdin.
# hyperfine 1.15 (Debian 12) cannot feed stdin, so each pre-push runs as `sh -c '… < input'`; the median of
# `sh -c 'true < input'` is measured too and subtracted for the net figures.
# Usage: bench/startup.sh [path/to/verify-layers]   (default dist/verify-layers, built by `make dist`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(cd "$(dirname "${1:-$root/dist/verify-layers}")" && pwd)/$(basename "${1:-$root/dist/verify-layers}")
[ -x "$binary" ] || { echo "startup: $binary is not built (make dist)" >&2; exit 1; }
for tool in hyperfine git git-lfs python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "startup: $tool is not installed (make deps)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$work

# A repository whose remote has main at A; the push sends B (a README change only).
repo=$work/repo
git init -q -b main "$repo"
git -C "$repo" remote add origin https://example.invalid/repo.git
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q --allow-empty -m A
old=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" update-ref refs/remotes/origin/main "$old"
echo "notes" >"$repo/README.md"
git -C "$repo" add README.md
git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m B
new=$(git -C "$repo" rev-parse HEAD)
printf 'refs/heads/main %s refs/heads/main %s\n' "$new" "$old" >"$work/input"
(cd "$repo" && "$binary" pre-push origin https://example.invalid/repo.git <"$work/input") ||
  { echo "startup: the no-op pre-push did not exit 0" >&2; exit 1; }
(cd "$repo" && git lfs pre-push origin https://example.invalid/repo.git <"$work/input") ||
  { echo "startup: git lfs pre-push did not exit 0" >&2; exit 1; }

cd "$repo"
hyperfine --style none --warmup 10 --runs 200 --export-json "$work/results.json" \
  -n version "'$binary' --version" \
  -n shell "sh -c 'true < $work/input'" \
  -n prepush "sh -c '\"$binary\" pre-push origin https://example.invalid/repo.git < $work/input'" \
  -n lfs "sh -c 'git lfs pre-push origin https://example.invalid/repo.git < $work/input'" >"$work/hyperfine.log"

python3 - "$work/results.json" "$root/BENCHMARKS.md" "$binary" <<'PY'
import json, os, platform, re, subprocess, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def median(name): return results[name]["median"] * 1000
def spread(name): return f'{results[name]["min"] * 1000:.1f}–{results[name]["max"] * 1000:.1f}'
shell = median("shell")
binary = sys.argv[3]
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
size = os.path.getsize(binary) / 1e6
lfs = subprocess.run(["git", "lfs", "version"], capture_output=True, text=True).stdout.strip()
net_prepush, net_lfs = median("prepush") - shell, median("lfs") - shell
verdict = "met" if net_prepush <= 10 else "not met"
section = f"""<!-- startup:begin -->
## Start-up of the release binary (bench/startup.sh)

`{version}`, {size:.1f} MB stripped (`make dist`), on this {os.cpu_count()}-core {platform.machine()} machine,
hyperfine medians of 200 runs after 10 warm-ups. The no-op pre-push is a push whose only commit changes a README:
nothing to check, so this is the cost every `git push` pays. Each pre-push runs as `sh -c '… < input'` (hyperfine
1.15 cannot feed stdin); *net* subtracts the median of `sh -c 'true < input'` ({shell:.1f} ms).

| command | median | min–max | net |
|---|---:|---:|---:|
| `verify-layers --version` | {median("version"):.1f} ms | {spread("version")} ms | — |
| `verify-layers pre-push` (no-op) | {median("prepush"):.1f} ms | {spread("prepush")} ms | **{net_prepush:.1f} ms** |
| `git lfs pre-push` (same push; {lfs.split()[0]}) | {median("lfs"):.1f} ms | {spread("lfs")} ms | {net_lfs:.1f} ms |

Target ≤ 10 ms for the no-op pre-push: **{verdict}** ({net_prepush:.1f} ms net, {net_lfs / max(net_prepush, 0.01):.1f}× faster than
git-lfs on the same push).
<!-- startup:end -->"""
path = sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- startup:begin -->.*?<!-- startup:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
