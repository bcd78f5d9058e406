#!/usr/bin/env python3
"""Generates a synthetic git repository of committed OCI image layouts for benchmarks.

Writes history with `git fast-import` (fast even for thousands of commits) and an emulator state file that holds
every blob, so the benchmark measures the client, not missing data.

  gen_repo.py --out DIR --repositories 50 --images-per-repository 4 --layers-per-image 100 --commits 1
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys


def blob(content: bytes):
    return "sha256:" + hashlib.sha256(content).hexdigest(), content


def make_layout(repo_name: str, image_number: int, layers: int, salt: str):
    """Returns {relative path: bytes} for one OCI layout, plus the (digest, size) of every blob the registry needs."""
    files = {}
    needed = {}
    layer_descriptors = []
    for n in range(layers):
        digest, content = blob(f"{salt}/{repo_name}/{image_number}/layer/{n}".encode())
        files[f"blobs/sha256/{digest[7:]}"] = content
        layer_descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": len(content)})
        needed[digest] = len(content)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "created": f"{salt}-{repo_name}-{image_number}"}, sort_keys=True).encode()
    config_digest, _ = blob(config)
    files[f"blobs/sha256/{config_digest[7:]}"] = config
    needed[config_digest] = len(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": layer_descriptors}, indent=2).encode()
    manifest_digest, _ = blob(manifest)
    files[f"blobs/sha256/{manifest_digest[7:]}"] = manifest
    files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    files["index.json"] = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": len(manifest),
        "annotations": {"io.containerd.image.name": f"public.ecr.aws/bench/{repo_name}:{image_number}"}}]}).encode()
    return files, needed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--repositories", type=int, default=50)
    ap.add_argument("--images-per-repository", type=int, default=4)
    ap.add_argument("--layers-per-image", type=int, default=100)
    ap.add_argument("--commits", type=int, default=1, help="total commits; image outputs are spread over them")
    ap.add_argument("--salt", default="bench")
    ap.add_argument("--state", help="write an emulator state file here")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", args.out], check=True)
    images = [(f"repo{r:03d}", i) for r in range(args.repositories) for i in range(args.images_per_repository)]
    commits = max(1, args.commits)
    # Image outputs are introduced evenly over the history; every commit also touches an ordinary source file.
    per_commit = {}
    for position, image in enumerate(images):
        per_commit.setdefault(position * commits // max(1, len(images)), []).append(image)

    needed = {}
    stream = []
    mark = 0

    def data(content: bytes):
        stream.append(f"data {len(content)}\n".encode())
        stream.append(content)
        stream.append(b"\n")

    for c in range(commits):
        lines = []
        for repo_name, number in per_commit.get(c, []):
            files, blobs = make_layout(repo_name, number, args.layers_per_image, args.salt)
            needed.setdefault(repo_name, {}).update(blobs)
            for path, content in files.items():
                mark += 1
                stream.append(b"blob\n")
                stream.append(f"mark :{mark}\n".encode())
                data(content)
                lines.append(f"M 100644 :{mark} images/{repo_name}/{number}/{path}\n")
        mark += 1
        stream.append(b"blob\n")
        stream.append(f"mark :{mark}\n".encode())
        data(f"// change {c}\n".encode())
        lines.append(f"M 100644 :{mark} src/file{c % 97}.txt\n")
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Bench <bench@example.com> {1700000000 + c} +0000\n".encode())
        data(f"commit {c}".encode())
        stream.append("".join(lines).encode())
        stream.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=args.out, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=args.out, check=True)
    if args.state:
        state = {
            "credentials": [{"accessKeyId": "AKIABENCHEXAMPLE0001", "secretAccessKey": "benchSecretKeyExample000000000000000000"}],
            "defaultRegistry": "123456789012",
            "registries": [{"registryId": "123456789012", "aliases": ["bench"],
                            "repositories": {name: {"layers": layers} for name, layers in needed.items()}}],
        }
        with open(args.state, "w") as f:
            json.dump(state, f)
    total = sum(len(v) for v in needed.values())
    print(f"{args.out}: {len(images)} images, {total} distinct blobs in {len(needed)} repositories, {commits} commits", file=sys.stderr)


if __name__ == "__main__":
    main()
