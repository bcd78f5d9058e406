#!/usr/bin/env python3
"""Merges single-platform OCI image layouts (one per architecture, from `make dist`) into one layout whose tag names
an image index over all of them, so `skopeo copy --all` pushes one multi-platform image. Blobs are copied as they
are: every manifest keeps its digest.

Usage: merge-layouts.py OUT_LAYOUT TAG LAYOUT...
"""
import hashlib
import json
import os
import shutil
import sys


def main() -> None:
    out, tag, layouts = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    manifests = []
    for layout in layouts:
        source = os.path.join(layout, "blobs", "sha256")
        for name in os.listdir(source):
            shutil.copyfile(os.path.join(source, name), os.path.join(out, "blobs", "sha256", name))
        entry = json.load(open(os.path.join(layout, "index.json")))["manifests"][0]
        manifest = json.load(open(os.path.join(source, entry["digest"].split(":", 1)[1])))
        config = json.load(open(os.path.join(source, manifest["config"]["digest"].split(":", 1)[1])))
        manifests.append({"mediaType": entry["mediaType"], "digest": entry["digest"], "size": entry["size"],
                          "platform": {"architecture": config["architecture"], "os": config["os"]}})
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": manifests}, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(index).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as handle:
        handle.write(index)
    with open(os.path.join(out, "oci-layout"), "w") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    with open(os.path.join(out, "index.json"), "w") as handle:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": f"sha256:{digest}", "size": len(index),
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, handle)
    print(f"{out}: index sha256:{digest} over {len(manifests)} platform(s)")


if __name__ == "__main__":
    main()
