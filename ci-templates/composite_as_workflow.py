#!/usr/bin/env python3
"""Prints a composite action (action.yml) as an equivalent workflow, so actionlint, which lints workflows only,
checks its steps too: expressions, contexts, step ids, and every `run:` script through shellcheck.

The action's inputs become `workflow_call` inputs (so `inputs.*` resolves), its steps the steps of one job, and its
outputs that job's outputs (so `steps.*.outputs.*` references are checked)."""
import sys

import yaml


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        action = yaml.safe_load(handle)
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        print(f"{path}: not a composite action (runs.using is {runs.get('using')!r})", file=sys.stderr)
        return 1
    inputs = {
        name: {"type": "string", "required": bool(spec.get("required", False)), "default": str(spec.get("default", ""))}
        for name, spec in (action.get("inputs") or {}).items()
    }
    job = {"runs-on": "ubuntu-latest", "steps": runs.get("steps") or []}
    outputs = {name: spec["value"] for name, spec in (action.get("outputs") or {}).items() if "inputs." not in spec["value"]}
    if outputs:
        job["outputs"] = outputs
    workflow = {"name": f"composite action {path}", "on": {"workflow_call": {"inputs": inputs}}, "jobs": {"composite": job}}
    yaml.safe_dump(workflow, sys.stdout, sort_keys=False, width=200)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
