#!/usr/bin/env bash
# make demo: builds two images with umoci, commits them to a sample repository, starts the bundled ECR Public
# emulator holding every layer of one image and all but one layer of the other, and runs verify-layers on both.
set -euo pipefail
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/verify-layers-demo.XXXXXX")
EMULATOR_PID=""
cleanup() {
  [ -n "$EMULATOR_PID" ] && kill "$EMULATOR_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

make_image() { # dir name file-content
  local dir=$1 name=$2 content=$3 bundle="$WORK/bundle-$RANDOM"
  umoci init --layout "$dir" >/dev/null
  umoci new --image "$dir:latest" >/dev/null
  umoci unpack --rootless --image "$dir:latest" "$bundle" >/dev/null 2>&1
  mkdir -p "$bundle/rootfs/srv"
  printf '%s\n' "$content" > "$bundle/rootfs/srv/index.html"
  umoci repack --image "$dir:latest" "$bundle" >/dev/null
  rm -rf "$bundle"
  # BuildKit and containerd record the full image name; umoci writes only the tag.
  python3 - "$dir/index.json" "$name" <<'PY'
import json, sys
path, name = sys.argv[1], sys.argv[2]
index = json.load(open(path))
for entry in index["manifests"]:
    entry.setdefault("annotations", {})["io.containerd.image.name"] = name
json.dump(index, open(path, "w"))
PY
}

say "Building two images with umoci in a sample repository ($WORK/repo)"
mkdir -p "$WORK/repo" && cd "$WORK/repo"
git init -q -b main .
git config user.name demo && git config user.email demo@example.com
make_image images/api "public.ecr.aws/demo/api:1.0" "api v1"
make_image images/web "public.ecr.aws/demo/web:1.0" "web v1"
git add -A && git commit -qm "Add api and web images"
find images -maxdepth 1 -mindepth 1 | sed 's/^/  /'

say "Starting the ECR Public emulator: every blob of api, all but one layer of web"
python3 - "$WORK/state.json" <<'PY'
import json, os, sys
def blobs(layout):
    index = json.load(open(os.path.join(layout, "index.json")))
    out = {}
    for entry in index["manifests"]:
        manifest = json.load(open(os.path.join(layout, "blobs", *entry["digest"].split(":"))))
        for d in [manifest["config"]] + manifest["layers"]:
            out[d["digest"]] = {"size": d["size"], "mediaType": d["mediaType"]}
        last_layer = manifest["layers"][-1]["digest"]
    return out, last_layer
def images(layout):
    # The published manifests and their tags (umoci names the tag `latest`): the manifest check passes for both.
    index = json.load(open(os.path.join(layout, "index.json")))
    return [{"imageDigest": e["digest"], "imageTags": [e["annotations"]["org.opencontainers.image.ref.name"]]} for e in index["manifests"]]
api, _ = blobs("images/api")
web, dropped = blobs("images/web")
del web[dropped]
state = {
    "credentials": [{"accessKeyId": "AKIADEMOEXAMPLE00001", "secretAccessKey": "demoSecretKeyDoNotUseAnywhere0000000000"}],
    "defaultRegistry": "123456789012",
    "registries": [{"registryId": "123456789012", "aliases": ["demo"], "repositories": {
        "api": {"layers": api, "images": images("images/api")}, "web": {"layers": web, "images": images("images/web")}}}],
}
json.dump(state, open(sys.argv[1], "w"), indent=1)
print(f"  web's layer {dropped} was never pushed")
PY
python3 "$ROOT/Tests/emulator/ecr_public_emulator.py" --state "$WORK/state.json" --port 0 --port-file "$WORK/port" --quiet >/dev/null &
EMULATOR_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")
echo "  listening on http://127.0.0.1:$PORT"

export AWS_ACCESS_KEY_ID=AKIADEMOEXAMPLE00001 AWS_SECRET_ACCESS_KEY=demoSecretKeyDoNotUseAnywhere0000000000
export AWS_ENDPOINT_URL_ECR_PUBLIC="http://127.0.0.1:$PORT" AWS_EC2_METADATA_DISABLED=true

say "verify-layers list  (offline: what would be checked)"
"$BIN" list

say "verify-layers check  (fails: web's layer is missing)"
set +e
"$BIN" check
FAIL=$?
set -e
echo "  exit code: $FAIL"

say "Pushing web's missing layer to the registry, then verify-layers check again  (passes)"
python3 - "$WORK/state.json" "$PORT" <<'PY'
import json, sys, urllib.request
state = json.load(open(sys.argv[1]))
web = state["registries"][0]["repositories"]["web"]["layers"]
index = json.load(open("images/web/index.json"))
manifest = json.load(open("images/web/blobs/" + index["manifests"][0]["digest"].replace(":", "/")))
for layer in manifest["layers"]:
    if layer["digest"] not in web:
        body = json.dumps({"registry": "demo", "repository": "web", "digest": layer["digest"], "size": layer["size"], "present": True}).encode()
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sys.argv[2]}/__emulator/layers", data=body, method="POST",
                                                      headers={"Content-Type": "application/json"}))
        print(f"  pushed {layer['digest']}")
PY
set +e
"$BIN" check
PASS=$?
set -e
echo "  exit code: $PASS"

if [ "$FAIL" = 1 ] && [ "$PASS" = 0 ]; then
  say "Demo finished: a missing layer fails the check (exit 1); once it is pushed, the same commit passes (exit 0)"
else
  echo "unexpected exit codes: failing check gave $FAIL, passing check gave $PASS" >&2
  exit 1
fi
