#!/usr/bin/env python3
"""The registry way's peer: what a user writes with `requests` and a 16-thread pool. An anonymous pull token per
repository (the `WWW-Authenticate: Bearer` challenge of `GET /v2/`), then one `HEAD /v2/<alias>/<repo>/blobs/<digest>`
per blob; 200 (or a redirect) is present, 404 is missing.

  registry_heads.py PLAN.json REGISTRY_URL [--threads 16]
PLAN.json: [{"registryId": alias, "repositoryName": name, "layerDigests": [...]}, ...] (the API way's batches)."""
import argparse
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan")
    ap.add_argument("registry")
    ap.add_argument("--threads", type=int, default=16)
    args = ap.parse_args()
    plan = json.load(open(args.plan))
    local = threading.local()

    def session():
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    challenge = requests.get(f"{args.registry}/v2/").headers.get("WWW-Authenticate", "")
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    repositories = sorted({(b["registryId"], b["repositoryName"]) for b in plan})

    def token(repository):
        alias, name = repository
        answer = session().get(fields["realm"], params={"service": fields.get("service", ""), "scope": f"repository:{alias}/{name}:pull"})
        answer.raise_for_status()
        return repository, answer.json()["token"]

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        tokens = dict(pool.map(token, repositories))
        blobs = [((b["registryId"], b["repositoryName"]), d) for b in plan for d in b["layerDigests"]]

        def head(item):
            (alias, name), digest = item
            answer = session().head(f"{args.registry}/v2/{alias}/{name}/blobs/{digest}", allow_redirects=False,
                                    headers={"Authorization": f"Bearer {tokens[(alias, name)]}"})
            if answer.status_code not in (200, 307, 404):
                raise SystemExit(f"HEAD {alias}/{name}/blobs/{digest}: HTTP {answer.status_code}")
            return answer.status_code == 404

        missing = sum(pool.map(head, blobs))
    print(f"{len(blobs)} HEADs on {args.threads} threads, {missing} missing")


if __name__ == "__main__":
    main()
