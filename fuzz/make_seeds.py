#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (fuzz/corpus/) from the project's fixture shapes.

Each seed is in ParserHarness's format: parts separated by SEP; part 0 is index.json / manifest.json, the other parts are blobs
stored under their own digest (a part starting with "#lfs\\n" is stored as an LFS pointer + object, "#links\\n" holds symlinks).
Real tools make some of them (umoci, skopeo, git-lfs); the rest are hand-built like the tests' fixtures.
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile

SEP = b"\n--8<--\n"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
EMPTY = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def dumps(obj, pretty=True):
    return json.dumps(obj, indent=2 if pretty else None, sort_keys=True).encode()


def desc(media_type, data, **extra):
    d = {"mediaType": media_type, "digest": digest(data), "size": len(data)}
    d.update(extra)
    return d


def write(name, parts):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(SEP.join(parts))


def image(arch="amd64", layers=(b"layer",), diff_ids=None, media=(OCI_MANIFEST, OCI_CONFIG, OCI_LAYER), os_name="linux"):
    config = dumps({"architecture": arch, "os": os_name, "rootfs": {"type": "layers", "diff_ids": diff_ids or []}})
    manifest = dumps({"schemaVersion": 2, "mediaType": media[0], "config": desc(media[1], config),
                      "layers": [desc(media[2], l) for l in layers]})
    return manifest, [config, *layers]


def hand_built():
    m, blobs = image()
    write("oci-single", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, m, annotations={"io.containerd.image.name": "public.ecr.aws/demo/app:1"})]}), m, *blobs])
    amd, amd_blobs = image("amd64", (b"amd",))
    arm, arm_blobs = image("arm64", (b"arm",))
    inner = dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc(OCI_MANIFEST, amd, platform={"os": "linux", "architecture": "amd64"}),
                                                                             desc(OCI_MANIFEST, arm, platform={"os": "linux", "architecture": "arm64", "variant": "v8"})]})
    outer = dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc(OCI_INDEX, inner)]})
    write("oci-nested", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_INDEX, outer)]}), outer, inner, amd, arm, *amd_blobs, *arm_blobs])
    dm, dblobs = image(layers=(b"win",), media=(DOCKER_MANIFEST, DOCKER_CONFIG, "application/vnd.docker.image.rootfs.diff.tar.gzip"), os_name="windows")
    dm_json = json.loads(dm)
    dm_json["layers"].insert(0, {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": digest(b"base"), "size": 4,
                                 "urls": ["https://mcr.microsoft.com/v2/x"]})
    dm = dumps(dm_json)
    dlist = dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [desc(DOCKER_MANIFEST, dm, platform={"os": "windows", "architecture": "amd64", "os.version": "10.0"})]})
    write("docker-list", [dlist, dm, *dblobs])
    att_layer = b'{"_type":"https://in-toto.io/Statement/v0.1"}'
    att = dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": desc(OCI_CONFIG, b"{}"), "layers": [desc("application/vnd.in-toto+json", att_layer)]})
    idx = dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        desc(OCI_MANIFEST, amd, platform={"os": "linux", "architecture": "amd64"}),
        desc(OCI_MANIFEST, att, platform={"os": "unknown", "architecture": "unknown"},
             annotations={"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": digest(amd)})]})
    write("buildx-attestation", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_INDEX, idx)]}), idx, amd, att, att_layer, b"{}", *amd_blobs])
    ref = dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.sig",
                 "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": EMPTY, "size": 2, "data": "e30="},
                 "layers": [desc("application/vnd.example.sig", b"sig")], "subject": desc(OCI_MANIFEST, amd)})
    write("referrer-subject", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, ref)]}), ref, b"sig", amd, *amd_blobs])
    um, ublobs = image(layers=(b"tar1", b"tar2"), diff_ids=[digest(b"tar1"), digest(b"tar2")], media=(OCI_MANIFEST, OCI_CONFIG, "application/vnd.oci.image.layer.v1.tar"))
    write("uncompressed", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, um)]}), um, *ublobs])
    write("lfs-manifest", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, m)]}), b"#lfs\n" + m, *blobs])
    write("symlinked", [dumps({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, m)]}),
                        b"#links\nimg/blobs/sha256/" + digest(m)[7:].encode() + b" -> ../../cas/m\nimg/cas/m -> ../blobs/sha256/x\nimg/blobs/sha256/y -> ../../../etc/passwd", *blobs])
    write("hostile-digests", [dumps({"manifests": [{"mediaType": OCI_MANIFEST, "digest": "sha256:../../etc/passwd", "size": -1},
                                                    {"mediaType": OCI_INDEX, "digest": digest(b"x"), "size": 1 << 40}]})])
    write("lfs-pointer", [b"version https://git-lfs.github.com/spec/v1\noid " + digest(b"x").encode() + b"\nsize 1\n"])
    write("config-file", [b"""registry: myalias
images:
  - path: build/oci/app
    repository: app
    registry: otheralias
  - path: "deploy/*.json"
    repository: tools/deployer
exclude: ["testdata/**"]
check-config-blob: true
strict: false
cache-ttl: 1h
"""])
    write("config-anchors", [b"a: &a [x, x]\nb: &b [*a, *a]\nexclude: *b\n"])


def real_tools():
    """A umoci layout, its skopeo dir copy, and a layout committed with git lfs track."""
    for tool in ("umoci", "skopeo", "git"):
        if shutil.which(tool) is None:
            print(f"make_seeds: {tool} not found, skipping real-tool seeds", file=sys.stderr)
            return
    work = tempfile.mkdtemp(prefix="vl-seeds-")
    try:
        layout = os.path.join(work, "oci")
        run = lambda *a, **k: subprocess.run(a, check=True, capture_output=True, **k)
        run("umoci", "init", "--layout", layout)
        run("umoci", "new", "--image", layout + ":latest")
        bundle = os.path.join(work, "bundle")
        run("umoci", "unpack", "--rootless", "--image", layout + ":latest", bundle)
        with open(os.path.join(bundle, "rootfs", "hello"), "w") as f:
            f.write("hello from umoci\n")
        run("umoci", "repack", "--image", layout + ":latest", bundle)
        blobs_dir = os.path.join(layout, "blobs", "sha256")
        blobs = [open(os.path.join(blobs_dir, n), "rb").read() for n in sorted(os.listdir(blobs_dir))]
        write("umoci-layout", [open(os.path.join(layout, "index.json"), "rb").read(), *blobs])
        skopeo_dir = os.path.join(work, "dir")
        run("skopeo", "copy", "-q", f"oci:{layout}:latest", f"dir:{skopeo_dir}")
        names = [n for n in sorted(os.listdir(skopeo_dir)) if n not in ("manifest.json", "version")]
        write("skopeo-dir", [open(os.path.join(skopeo_dir, "manifest.json"), "rb").read(), *[open(os.path.join(skopeo_dir, n), "rb").read() for n in names]])
        # Archives: the whole file is the input (ParserHarness.exerciseArchive reads it as a tar). The seeds have no `.tar`
        # name, so checking this repository does not take them for committed image outputs.
        for transport in ("oci-archive", "docker-archive"):
            target = os.path.join(work, transport + ".tar")
            run("skopeo", "copy", "-q", f"oci:{layout}:latest", f"{transport}:{target}:public.ecr.aws/demo/app:1")
            write(transport, [open(target, "rb").read()])
        run("gzip", "-n", "-k", os.path.join(work, "oci-archive.tar"))
        write("oci-archive-gz", [open(os.path.join(work, "oci-archive.tar.gz"), "rb").read()])
        repo = os.path.join(work, "repo")
        env = dict(os.environ, HOME=work, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null")
        run("git", "init", "-q", repo, env=env)
        run("git", "lfs", "install", "--local", cwd=repo, env=env)
        run("git", "lfs", "track", "*.json", cwd=repo, env=env)
        shutil.copy(os.path.join(layout, "index.json"), os.path.join(repo, "index.json"))
        run("git", "add", "index.json", cwd=repo, env=env)
        pointer = run("git", "cat-file", "blob", ":index.json", cwd=repo, env=env).stdout
        write("git-lfs-pointer", [pointer])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    hand_built()
    real_tools()
    print(f"seeds in {OUT}: {len(os.listdir(OUT))}")
