#!/usr/bin/env bash
# Pre-push benchmark: `verify-layers pre-push` against `git lfs pre-push` on the same push of a repository with
# thousands of commits and committed OCI layouts.
#   1. no-op: one new commit on top of origin/main that touches no image output (what almost every push is);
#   2. new branch to an empty remote: the whole history is new, so every commit is walked and diffed
#      (the layouts are excluded in .verify-layers.yml so no network call is made; reading is not measured here).
# Neither run needs the network: verify-layers makes no call when no image output changed.
#
#   bench/prepush.sh [path/to/verify-layers]      (env: COMMITS=5000 RUNS=30 WARMUP=3)
set -euo pipefail

BIN=${1:-.build/release/verify-layers}
COMMITS=${COMMITS:-5000}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
[ -x "$BIN" ] || { echo "bench/prepush.sh: no verify-layers binary at $BIN (run: swift build -c release)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
command -v git-lfs >/dev/null 2>&1 || { echo "bench/prepush.sh: git-lfs is not installed (apt-get install git-lfs)" >&2; exit 2; }
if ! command -v hyperfine >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq hyperfine >/dev/null 2>&1 || true
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vl-prepush-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A clean git: no user or system config, a fixed identity.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$WORK"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
unset VERIFY_LAYERS_SKIP GIT_LFS_SKIP_PUSH AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECR_PUBLIC || true

REPO="$WORK/repo"
git init -q -b main "$REPO"
# History: COMMITS commits each changing one of 500 source files; 8 OCI layouts (20 layers each) added early on.
python3 - "$COMMITS" <<'PY' | git -C "$REPO" fast-import --quiet
import hashlib, json, sys
commits = int(sys.argv[1])
out = sys.stdout.buffer
def data(content):
    out.write(b"data %d\n" % len(content)); out.write(content); out.write(b"\n")
def layout(name):
    files, layers = {}, []
    for n in range(20):
        content = f"{name}/layer/{n}".encode()
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
        files[f"blobs/sha256/{digest[7:]}"] = content
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": len(content)})
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    files[f"blobs/sha256/{config_digest[7:]}"] = config
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": layers}).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    files[f"blobs/sha256/{manifest_digest[7:]}"] = manifest
    files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": len(manifest),
        "annotations": {"io.containerd.image.name": f"public.ecr.aws/bench/{name}:1"}}]}).encode()
    return files
for c in range(commits):
    lines = []
    if c == 0:
        lines.append(("M 100644 inline .verify-layers.yml\n", b"registry: bench\nexclude: [\"images/**\"]\n"))
        for s in range(500):
            lines.append((f"M 100644 inline src/dir{s % 20}/file{s}.txt\n", f"// file {s}\n".encode()))
    if c in (1, 2, 3, 4, 10, 20, 30, 40):
        for path, content in layout(f"app{c}").items():
            lines.append((f"M 100644 inline images/app{c}/{path}\n", content))
    s = c % 500
    lines.append((f"M 100644 inline src/dir{s % 20}/file{s}.txt\n", f"// file {s} change {c}\n".encode()))
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % (1700000000 + c))
    data(f"commit {c}".encode())
    for line, content in lines:
        out.write(line.encode()); data(content)
    out.write(b"\n")
PY
git -C "$REPO" checkout -q -f main
git -C "$REPO" gc -q

git init -q --bare "$WORK/remote.git"
git init -q --bare "$WORK/empty.git"
git -C "$REPO" remote add origin "$WORK/remote.git"
git -C "$REPO" remote add empty "$WORK/empty.git"
git -C "$REPO" push -q --no-verify origin main
# The push being measured: one commit that touches no image output.
echo "// edited" >> "$REPO/src/dir0/file0.txt"
git -C "$REPO" commit -q -am "edit a source file"
ZERO=0000000000000000000000000000000000000000
printf 'refs/heads/main %s refs/heads/main %s\n' "$(git -C "$REPO" rev-parse HEAD)" "$(git -C "$REPO" rev-parse origin/main)" > "$WORK/noop.txt"
printf 'refs/heads/main %s refs/heads/main %s\n' "$(git -C "$REPO" rev-parse HEAD)" "$ZERO" > "$WORK/newbranch.txt"

# Both must succeed (and verify-layers must not need the network) before timing means anything.
cd "$REPO"
for input in noop newbranch; do
  remote=origin; [ "$input" = newbranch ] && remote=empty
  url=$(git remote get-url "$remote")
  "$BIN" pre-push "$remote" "$url" < "$WORK/$input.txt" || { echo "bench/prepush.sh: verify-layers pre-push failed ($input)" >&2; exit 1; }
  git lfs pre-push "$remote" "$url" < "$WORK/$input.txt" || { echo "bench/prepush.sh: git lfs pre-push failed ($input)" >&2; exit 1; }
done

commits=$(git rev-list --count HEAD)
files=$(git ls-tree -r HEAD | wc -l)
echo "pre-push benchmark: $commits commits, $files files, 8 OCI layouts; $RUNS runs after $WARMUP warm-up"

median() { # command... → median seconds of RUNS runs
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/h.json" "$1" >/dev/null 2>&1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json"
  else
    python3 - "$1" "$RUNS" "$WARMUP" <<'PY'
import statistics, subprocess, sys, time
command, runs, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
samples = []
for i in range(warmup + runs):
    start = time.perf_counter()
    subprocess.run(["sh", "-c", command], check=True)
    if i >= warmup:
        samples.append(time.perf_counter() - start)
print(statistics.median(samples))
PY
  fi
}

for input in noop newbranch; do
  remote=origin; [ "$input" = newbranch ] && remote=empty
  url=$(git remote get-url "$remote")
  ours=$(median "'$BIN' pre-push $remote '$url' < '$WORK/$input.txt'")
  lfs=$(median "git lfs pre-push $remote '$url' < '$WORK/$input.txt'")
  label="no-op push (1 new commit, no image output touched)"
  [ "$input" = newbranch ] && label="new branch to an empty remote ($commits new commits walked and diffed)"
  python3 - "$label" "$ours" "$lfs" <<'PY'
import sys
label, ours, lfs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
verdict = "faster" if ours < lfs else "slower"
ratio = lfs / ours if ours < lfs else ours / lfs
print(f"  {label}:")
print(f"    verify-layers pre-push  median {ours * 1000:7.1f} ms")
print(f"    git lfs pre-push        median {lfs * 1000:7.1f} ms   (verify-layers {ratio:.1f}x {verdict})")
PY
done
