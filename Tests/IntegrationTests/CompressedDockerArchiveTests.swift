import Foundation
import ImageModel
import TestSupport
import Testing

/// Docker archives whose layers are stored compressed, as go-containerregistry's `tarball.Write` writes them (crane
/// `pull --format=tarball`, ko `--tarball`, kaniko `--tarPath`): the config as `sha256:<hex>`, each layer as
/// `<hex>.tar.gz` named by the digest of its gzip bytes, `manifest.json` last. Those layers are the registry's blobs:
/// they are asked about like any layer, not mistaken for uncompressed layers that fail their `diff_ids`.
@Suite struct CompressedDockerArchiveTests {
    /// Writes the archive at `out`: one gzip layer and, with `mixed`, a second one stored uncompressed (skopeo's
    /// `<diff_id>.tar`); prints `config`, `layer` and `plain` lines of `digest size`.
    static let script = """
        import gzip, hashlib, io, json, sys, tarfile
        out, mixed = sys.argv[1], sys.argv[2] == "mixed"
        def sha(b): return hashlib.sha256(b).hexdigest()
        def layer_tar(name, text):
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as t:
                info = tarfile.TarInfo(name); info.size = len(text); t.addfile(info, io.BytesIO(text))
            return buf.getvalue()
        plain = layer_tar("etc/app.conf", b"port=8080\\n")
        packed = gzip.compress(layer_tar("bin/app", b"#!/bin/sh\\necho hi\\n"), mtime=0)
        diff_ids = ["sha256:" + sha(gzip.decompress(packed))] + (["sha256:" + sha(plain)] if mixed else [])
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
        layers = [sha(packed) + ".tar.gz"] + ([sha(plain) + ".tar"] if mixed else [])
        manifest = [{"Config": "sha256:" + sha(config), "RepoTags": ["public.ecr.aws/demo/app:v1"], "Layers": layers}]
        members = [("sha256:" + sha(config), config), (layers[0], packed)]
        members += [(layers[1], plain)] if mixed else []
        with tarfile.open(out, "w") as t:
            for name, data in members + [("manifest.json", json.dumps(manifest).encode())]:
                info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
        for what, data in [("config", config), ("layer", packed), ("plain", plain)]:
            print(what, "sha256:" + sha(data), len(data))
        """

    func archive(_ repo: GitFixture, mixed: Bool) throws -> [String: (digest: String, size: Int64)] {
        let made = try Shell.run(["python3", "-c", Self.script, repo.path + "/image.tar", mixed ? "mixed" : "packed"])
        #expect(made.status == 0, "\(made.stderr)")
        try repo.commitAll()
        var blobs: [String: (digest: String, size: Int64)] = [:]
        for line in made.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            blobs[parts[0]] = (parts[1], Int64(parts[2]) ?? 0)
        }
        return blobs
    }

    func check(_ repo: GitFixture, _ emulator: Emulator) throws -> (ProcessResult, [[String: Any]], [String]) {
        try emulator.clearRequests()
        let result = try repo.verifyLayers(["check", "--format", "json"], environment: emulator.environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let asked = try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
        return (result, report["findings"] as? [[String: Any]] ?? [], asked)
    }

    @Test func compressedLayersAreAskedAboutAndAMissingOneIsReported() throws {
        let repo = try GitFixture()
        let blobs = try archive(repo, mixed: false)
        let config = try #require(blobs["config"])
        let layer = try #require(blobs["layer"])
        let emulator = try Emulator(repositories: ["app": [config.digest: config.size, layer.digest: layer.size]])
        let (result, findings, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(findings.isEmpty, "no digest-mismatch, no layer-uncompressed: \(findings)")
        #expect(asked.sorted() == [config.digest, layer.digest].sorted())

        try emulator.setLayer(repository: "app", digest: layer.digest, size: layer.size, present: false)
        let (missing, missingFindings, _) = try check(repo, emulator)
        #expect(missing.status == 1)
        let unavailable = try #require(missingFindings.first { $0["rule"] as? String == "layer-unavailable" })
        #expect(unavailable["digest"] as? String == layer.digest)
        #expect(unavailable["path"] as? String == "image.tar" && unavailable["line"] as? Int == 1)
        #expect(
            (unavailable["message"] as? String)?.contains("archive member \(layer.digest.dropFirst(7)).tar.gz") == true)
    }

    @Test func aMixedArchiveWarnsOnlyAboutItsUncompressedLayer() throws {
        let repo = try GitFixture()
        let blobs = try archive(repo, mixed: true)
        let config = try #require(blobs["config"])
        let layer = try #require(blobs["layer"])
        let emulator = try Emulator(repositories: ["app": [config.digest: config.size, layer.digest: layer.size]])
        let (result, findings, asked) = try check(repo, emulator)
        #expect(result.status == 0, "\(result.combined)")
        #expect(asked.sorted() == [config.digest, layer.digest].sorted(), "never the uncompressed layer")
        #expect(findings.map { $0["rule"] as? String } == ["layer-uncompressed"])
        let message = findings.first?["message"] as? String ?? ""
        #expect(message.contains("its 1 layer(s) are stored uncompressed") && message.contains("1 compressed layer(s)"))
        let list = try repo.verifyLayers(["list"]).stdout
        #expect(list.contains("only the config blob and the compressed layers listed can be checked"), "\(list)")
        #expect(list.contains("layer  \(layer.digest) \(layer.size) bytes"), "\(list)")
    }
}
