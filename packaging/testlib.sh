# Shared by packaging/test-dist.sh and packaging/dist-check.sh (sourced): counted checks, a scratch repository holding
# an image layout, and the ECR Public emulator (Tests/emulator) serving that layout's blobs on loopback.
# shellcheck shell=bash
: "${root:?the sourcing script sets root to the checkout}"

passed=0
failed=0
emulator_pid=""
EMULATOR_PORT=""
TEST_KEY_ID=AKIADISTTEST00000001
TEST_SECRET=dist/test/secret/key/EXAMPLE

# check DESCRIPTION COMMAND...: runs COMMAND, counts and prints the outcome.
check() {
  local what=$1
  shift
  if "$@" >"${TMPDIR:-/tmp}/verify-layers-check.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok - $what"
  else
    failed=$((failed + 1))
    echo "not ok - $what"
    sed 's/^/    /' "${TMPDIR:-/tmp}/verify-layers-check.log" | tail -20
  fi
}

summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

# make_layout_repo REPO LAYOUT: a git repository with LAYOUT committed as image/ and mapped to demo/verify-layers.
make_layout_repo() {
  local repo=$1 layout=$2
  git init -q -b main "$repo"
  cp -r "$layout" "$repo/image"
  printf 'images:\n  - path: image\n    repository: verify-layers\n    registry: demo\n' >"$repo/.verify-layers.yml"
  git -C "$repo" add -A
  git -C "$repo" -c user.name=dist-test -c user.email=dist-test@example.com commit -q -m "verify-layers image"
}

# layout_state LAYOUT [DROP]: writes the emulator state holding every blob the layout's manifests reference (less
# the first layer when DROP is 1) and prints its path.
layout_state() {
  local layout=$1 drop=${2:-0} state
  state=$(mktemp)
  python3 - "$layout" "$drop" "$TEST_KEY_ID" "$TEST_SECRET" >"$state" <<'PY'
import json, os, sys
layout, drop, key, secret = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
def blob(digest):
    return json.load(open(os.path.join(layout, "blobs", *digest.split(":"))))
layers = {}
images = []
for entry in json.load(open(os.path.join(layout, "index.json")))["manifests"]:
    # Published as a release publishes it: the manifest by digest, under the layout's tag.
    tag = entry.get("annotations", {}).get("org.opencontainers.image.ref.name")
    images.append({"imageDigest": entry["digest"], "imageTags": [tag] if tag else [],
                   "imageManifestMediaType": entry["mediaType"]})
    manifest = blob(entry["digest"])
    for descriptor in [manifest["config"]] + manifest["layers"]:
        layers[descriptor["digest"]] = {"size": descriptor["size"], "mediaType": descriptor["mediaType"]}
    if drop:
        layers.pop(manifest["layers"][0]["digest"])
json.dump({"credentials": [{"accessKeyId": key, "secretAccessKey": secret}], "defaultRegistry": "123456789012",
           "registries": [{"registryId": "123456789012", "aliases": ["demo"],
                           "repositories": {"verify-layers": {"layers": layers, "images": images}}}]}, sys.stdout)
PY
  echo "$state"
}

# start_emulator WORKDIR STATE: the emulator on a free loopback port (EMULATOR_PORT).
start_emulator() {
  local work=$1 state=$2
  rm -f "$work/emulator.port"
  python3 "$root/Tests/emulator/ecr_public_emulator.py" --state "$state" --port 0 --port-file "$work/emulator.port" --quiet \
    >"$work/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 200); do [ -s "$work/emulator.port" ] && break; sleep 0.05; done
  [ -s "$work/emulator.port" ] || { echo "the ECR Public emulator did not start:" >&2; cat "$work/emulator.log" >&2; return 1; }
  EMULATOR_PORT=$(cat "$work/emulator.port")
}

stop_emulator() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=""
  fi
}

# drop_one_blob LAYOUT: restarts the emulator without the layout's first layer.
drop_one_blob() {
  local layout=$1
  stop_emulator
  start_emulator "$work" "$(layout_state "$layout" 1)"
}

# The environment a check runs with: nothing of the caller's (env -i), the emulator's endpoint and test credentials.
check_environment() {
  printf '%s\n' PATH=/usr/bin:/bin AWS_ACCESS_KEY_ID=$TEST_KEY_ID AWS_SECRET_ACCESS_KEY=$TEST_SECRET \
    "AWS_ENDPOINT_URL_ECR_PUBLIC=http://127.0.0.1:$EMULATOR_PORT" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}

# run_check REPO EXPECTED BINARY: `verify-layers check` in REPO with env -i; succeeds when it exits EXPECTED.
run_check() {
  local repo=$1 expected=$2 binary=$3 status=0 environment
  mapfile -t environment < <(check_environment)
  (cd "$repo" && env -i "${environment[@]}" "$binary" check) || status=$?
  [ "$status" = "$expected" ] || { echo "exit $status, expected $expected"; return 1; }
}
