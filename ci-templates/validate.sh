#!/usr/bin/env bash
# Validates what teams paste into their pipelines, so a template that GitHub or GitLab would reject never ships:
#   - ci-templates/github: action.yml against the GitHub Actions metadata schema, example-workflow.yml against the
#     workflow schema, both through actionlint (the action's steps as an equivalent workflow), with shellcheck on every
#     `run:` script;
#   - .github/workflows (the project's own CI and release) against the workflow schema and through actionlint, and
#     the shell scripts that build and test releases (packaging/, the action's install.sh) through shellcheck;
#   - ci-templates/gitlab: each YAML document (the `spec: inputs:` header and the job) against the GitLab CI schema,
#     and every script block through shellcheck as POSIX sh;
#   - the SARIF written by a real run of verify-layers (against the bundled ECR Public emulator) against the
#     SARIF 2.1.0 schema (../shared/schemas/ when present, else the copy in Tests/schemas/).
# The schemas used by check-jsonschema ship inside its wheel: nothing is downloaded.
# Usage: ci-templates/validate.sh [path/to/verify-layers]   (default .build/debug/verify-layers)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
binary=${1:-${VERIFY_LAYERS_BIN:-$root/.build/debug/verify-layers}}

for tool in check-jsonschema actionlint shellcheck python3 git umoci; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "validate: $tool is not installed (make deps installs it)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "validate: GitHub composite action and example workflow"
check-jsonschema --builtin-schema vendor.github-actions ci-templates/github/action.yml
check-jsonschema --builtin-schema vendor.github-workflows ci-templates/github/example-workflow.yml
actionlint ci-templates/github/example-workflow.yml
python3 ci-templates/composite_as_workflow.py ci-templates/github/action.yml >"$work/action-as-workflow.yml"
actionlint -stdin-filename ci-templates/github/action.yml - <"$work/action-as-workflow.yml"

echo "validate: the project's workflows and release scripts"
for workflow in .github/workflows/*.yml; do
  check-jsonschema --builtin-schema vendor.github-workflows "$workflow"
  actionlint "$workflow"
done
shellcheck -x packaging/*.sh packaging/testlib.sh ci-templates/github/*.sh bench/startup.sh

echo "validate: shipped modules import FoundationEssentials, never Foundation (it links ICU into the release binary)"
if find Sources -name '*.swift' -exec awk '/^import Foundation$/ && previous != "#else" { print FILENAME ":" FNR; found = 1 } { previous = $0 } END { exit !found }' {} \; | grep .; then
  echo "validate: the files above import Foundation outside '#if canImport(FoundationEssentials) … #else'" >&2
  exit 1
fi

echo "validate: GitLab template"
python3 - "$work" ci-templates/gitlab/*.yml <<'PY'
import json, os, sys
import yaml

out = sys.argv[1]
for path in sys.argv[2:]:
    name = os.path.basename(path).split(".")[0]
    with open(path, encoding="utf-8") as handle:
        documents = [d for d in yaml.safe_load_all(handle) if d is not None]
    if len(documents) == 2 and "spec" not in documents[0]:
        sys.exit(f"{path}: the first of two documents must be the `spec:` header")
    for index, document in enumerate(documents):
        with open(os.path.join(out, f"gitlab-{name}-{index}.json"), "w") as handle:
            json.dump(document, handle)
        for job_name, job in document.items():
            if not isinstance(job, dict) or job_name == "spec":
                continue
            for key in ("before_script", "script", "after_script"):
                lines = job.get(key) or []
                lines = [lines] if isinstance(lines, str) else lines
                with open(os.path.join(out, f"gitlab-{name}-{job_name}-{key}.sh"), "w") as handle:
                    handle.write("#!/bin/sh\n" + "\n".join(lines) + "\n")
PY
check-jsonschema --builtin-schema vendor.gitlab-ci "$work"/gitlab-*.json
shellcheck -s sh "$work"/gitlab-*.sh

echo "validate: SARIF from a real run"
schema=$root/../shared/schemas/sarif-schema-2.1.0.json
[ -f "$schema" ] || schema=$root/Tests/schemas/sarif-schema-2.1.0.json
if [ ! -x "$binary" ]; then
  echo "validate: $binary is not built (run swift build first)" >&2
  exit 1
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
repo=$work/repo
git init -q -b main "$repo"
umoci init --layout "$repo/build/oci/app" >/dev/null
umoci new --image "$repo/build/oci/app:latest" >/dev/null
python3 - "$repo/build/oci/app/index.json" <<'PY'
import json, sys
path = sys.argv[1]
index = json.load(open(path))
for entry in index["manifests"]:
    entry.setdefault("annotations", {})["io.containerd.image.name"] = "public.ecr.aws/demo/app:1.0"
json.dump(index, open(path, "w"))
PY
git -C "$repo" add -A
git -C "$repo" -c user.name=validate -c user.email=validate@example.com commit -q -m image
cat >"$work/state.json" <<'JSON'
{"credentials": [{"accessKeyId": "AKIAVALIDATE00000001", "secretAccessKey": "validate/secret/key/EXAMPLE"}],
 "defaultRegistry": "123456789012",
 "registries": [{"registryId": "123456789012", "aliases": ["demo"], "repositories": {"app": {"layers": {}}}}]}
JSON
python3 Tests/emulator/ecr_public_emulator.py --state "$work/state.json" --port 0 --port-file "$work/port" --quiet >/dev/null &
emulator_pid=$!
for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "validate: the ECR Public emulator did not start" >&2; exit 1; }
status=0
(cd "$repo" && env AWS_ACCESS_KEY_ID=AKIAVALIDATE00000001 AWS_SECRET_ACCESS_KEY=validate/secret/key/EXAMPLE \
  AWS_ENDPOINT_URL_ECR_PUBLIC="http://127.0.0.1:$(cat "$work/port")" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null VERIFY_LAYERS_CHECK_MANIFESTS=off \
  "$binary" check --quiet --report "sarif=$work/run.sarif") >"$work/run.log" 2>&1 || status=$?
if [ "$status" != 1 ]; then
  echo "validate: expected exit 1 (the config blob is not in the emulator), got $status:" >&2
  cat "$work/run.log" >&2
  exit 1
fi
check-jsonschema --schemafile "$schema" "$work/run.sarif"
python3 - "$work/run.sarif" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
assert [r["ruleId"] for r in results] == ["layer-unavailable"], results
PY
echo "validate: all templates and the SARIF output are valid"
