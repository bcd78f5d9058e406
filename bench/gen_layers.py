#!/usr/bin/env python3
"""Generates a git repository holding one OCI image layout whose layers have real sizes (incompressible bytes, like
gzip layers), committed directly in git and packed with `git gc`, or tracked by Git LFS (pointer files in git, the
objects in the local LFS store). Writes an emulator state file with every blob.

  gen_layers.py --out DIR --state FILE --layers 12 --min-mb 10 --max-mb 50 [--lfs]
Prints JSON: the blob ids of the layer files (for the `git cat-file --batch` floor), the largest layer in bytes.
"""
import argparse
import hashlib
import json
import os
import random
import subprocess


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--min-mb", type=int, default=10)
    ap.add_argument("--max-mb", type=int, default=50)
    ap.add_argument("--lfs", action="store_true")
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sizes = [args.min_mb << 20] + [args.max_mb << 20] + [rng.randint(args.min_mb << 20, args.max_mb << 20) for _ in range(args.layers - 2)]
    sizes = sizes[:args.layers]
    subprocess.run(["git", "init", "-q", "-b", "main", args.out], check=True)
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.out, stdin=subprocess.PIPE)
    out = importer.stdin
    lines, needed, mark = [], {}, 0

    def add(path, content):
        nonlocal mark
        mark += 1
        out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(content)))
        out.write(content)
        out.write(b"\n")
        lines.append(f"M 100644 :{mark} images/app/{path}\n")

    layers = []
    for n, size in enumerate(sizes):
        content = rng.randbytes(size)
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
        needed[digest] = size
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
        if args.lfs:
            hexd = digest[7:]
            store = os.path.join(args.out, ".git", "lfs", "objects", hexd[:2], hexd[2:4])
            os.makedirs(store, exist_ok=True)
            with open(os.path.join(store, hexd), "wb") as f:
                f.write(content)
            add(f"blobs/sha256/{hexd}", f"version https://git-lfs.github.com/spec/v1\noid {digest}\nsize {size}\n".encode())
        else:
            add(f"blobs/sha256/{digest[7:]}", content)
        del content
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    needed[config_digest] = len(config)
    add(f"blobs/sha256/{config_digest[7:]}", config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
                           "layers": layers}, indent=2).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    add(f"blobs/sha256/{manifest_digest[7:]}", manifest)
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add("index.json", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": len(manifest),
        "annotations": {"io.containerd.image.name": "public.ecr.aws/bench/big:1"}}]}).encode())
    if args.lfs:
        mark += 1
        attributes = "".join(f"images/app/blobs/sha256/{layer['digest'][7:]} filter=lfs diff=lfs merge=lfs -text\n"
                             for layer in layers).encode()
        out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(attributes)) + attributes + b"\n")
        lines.append(f"M 100644 :{mark} .gitattributes\n")
    out.write(b"commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\ndata 6\nlayers\n")
    out.write("".join(lines).encode() + b"\n")
    out.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    env = dict(os.environ, GIT_LFS_SKIP_SMUDGE="1")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=args.out, check=True, env=env)
    subprocess.run(["git", "gc", "-q"], cwd=args.out, check=True)
    tree = subprocess.run(["git", "ls-tree", "-r", "HEAD", "images/app/blobs/sha256/"], cwd=args.out, capture_output=True, text=True,
                          check=True).stdout
    with open(args.state, "w") as f:
        json.dump({"credentials": [{"accessKeyId": "AKIABENCHEXAMPLE0001", "secretAccessKey": "benchSecretKeyExample000000000000000000"}],
                   "defaultRegistry": "123456789012",
                   "registries": [{"registryId": "123456789012", "aliases": ["bench"], "repositories": {"big": {"layers": needed}}}]}, f)
    print(json.dumps({"blob_ids": [line.split()[2] for line in tree.splitlines()], "largest_bytes": max(sizes),
                      "total_bytes": sum(sizes), "layers": len(sizes)}))


if __name__ == "__main__":
    main()
