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

# Instructions (callgrind): unlike wall time, not moved by whatever else the machine is running.
instructions() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
version_instructions=$(instructions "$binary" --version || true)
prepush_instructions=$(instructions "$binary" pre-push origin https://example.invalid/repo.git <"$work/input" || true)

# Where a no-op pre-push spends its instructions: callgrind on the same build with its symbols (make dist keeps the
# unstripped binary in .build-dist; valgrind 3.19 cannot read its DWARF 5, so only the debug sections go).
profile=$work/profile.txt
: >"$profile"
if [ -x "$root/.build-dist/release/verify-layers" ] && command -v callgrind_annotate >/dev/null 2>&1; then
  strip --strip-debug -o "$work/symbols" "$root/.build-dist/release/verify-layers"
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$work/symbols" pre-push origin https://example.invalid/repo.git \
    <"$work/input" >/dev/null 2>&1 || true
  callgrind_annotate --inclusive=no "$work/callgrind.out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,9p' |
    swift demangle --simplified >"$profile" 2>/dev/null || true
fi

python3 - "$work/results.json" "$root/BENCHMARKS.md" "$binary" "${version_instructions:-}" "${prepush_instructions:-}" "$profile" <<'PY'
import json, os, platform, re, subprocess, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def median(name): return results[name]["median"] * 1000
def spread(name): return f'{results[name]["min"] * 1000:.1f}–{results[name]["max"] * 1000:.1f}'
def cpu(name): return (results[name]["user"] + results[name]["system"]) * 1000
def millions(text): return f"{int(text) / 1e6:.1f} M" if text.isdigit() else "—"
load = open("/proc/loadavg").read().split()[0]
shell = median("shell")
binary = sys.argv[3]
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
size = os.path.getsize(binary) / 1e6
lfs = subprocess.run(["git", "lfs", "version"], capture_output=True, text=True).stdout.strip()
net_prepush, net_lfs = median("prepush") - shell, median("lfs") - shell
verdict = "met" if net_prepush <= 10 else "not met"
rows = []
for line in open(sys.argv[6]).read().splitlines():
    match = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(?:\?\?\?|[^:]*):(.*?)(?: \[(.*)\])?$", line)
    if match:
        name = match.group(3).strip()
        name = name if len(name) <= 90 else name[:87] + "..."
        where = os.path.basename(match.group(4) or "")
        where = "verify-layers" if where == "symbols" else where
        rows.append(f"| {match.group(2)} % | `{name.replace('|', '/')}` | {where} |")
profile_text = ("\nWhere the no-op pre-push's instructions go (callgrind, self cost, top entries):\n\n"
                "| share | function | in |\n|---:|---|---|\n" + "\n".join(rows) + "\n") if rows else ""
section = f"""<!-- startup:begin -->
## Start-up of the release binary (bench/startup.sh)

`{version}`, {size:.1f} MB stripped (`make dist`), on this {os.cpu_count()}-core {platform.machine()} machine,
hyperfine medians of 200 runs after 10 warm-ups (load average {load} when it ran: wall times on this shared
machine are upper bounds, the minimum and the CPU time are closer to an idle machine's). The no-op pre-push is a push
whose only commit changes a README: nothing to check, so this is the cost every `git push` pays. Each pre-push runs as
`sh -c '… < input'` (hyperfine 1.15 cannot feed stdin); *net* subtracts the median of `sh -c 'true < input'`
({shell:.1f} ms). Instructions are counted by callgrind (independent of load).

| command | median | min–max | net | CPU (user+sys, mean) | instructions |
|---|---:|---:|---:|---:|---:|
| `verify-layers --version` | {median("version"):.1f} ms | {spread("version")} ms | — | {cpu("version"):.1f} ms | {millions(sys.argv[4])} |
| `verify-layers pre-push` (no-op) | {median("prepush"):.1f} ms | {spread("prepush")} ms | **{net_prepush:.1f} ms** | {cpu("prepush") - cpu("shell"):.1f} ms | {millions(sys.argv[5])} |
| `git lfs pre-push` (same push; {lfs.split()[0]}) | {median("lfs"):.1f} ms | {spread("lfs")} ms | {net_lfs:.1f} ms | {cpu("lfs") - cpu("shell"):.1f} ms | — |

Target ≤ 10 ms for the no-op pre-push: **{verdict}** ({net_prepush:.1f} ms net, {net_lfs / max(net_prepush, 0.01):.1f}× faster than
git-lfs on the same push).
{profile_text}
<!-- startup:end -->"""
path = sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- startup:begin -->.*?<!-- startup:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
