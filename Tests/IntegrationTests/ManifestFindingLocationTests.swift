import Foundation
import ImageModel
import TestSupport
import Testing

/// SPEC §5: a finding's `line` is the line of its digest inside its `path`. A manifest or index that is not published
/// (and a tag that does not name it) is located where the layout names that digest: the `index.json` entry, not the
/// manifest blob, which does not hold its own digest.
@Suite struct ManifestFindingLocationTests {
    /// The 1-based line of the first line of `data` that holds `digest`.
    static func line(of digest: String, in data: Data?) -> Int? {
        let lines = String(decoding: data ?? Data(), as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.contains(digest) }.map { $0 + 1 }
    }

    static func findings(_ stdout: String, rule: String) throws -> [[String: Any]] {
        let report = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        let all = report?["findings"] as? [[String: Any]] ?? []
        return all.filter { $0["rule"] as? String == rule }
    }

    @Test(arguments: ["api", "registry"])
    func unpublishedManifestAndIndexPointAtTheIndexEntryNamingThem(via: String) throws {
        let single = TestImage("images/single", seed: "single", layers: 1)
        let amd64 = FixtureImage(layers: [.layer("multi-amd64")], platform: ["architecture": "amd64", "os": "linux"])
        let arm64 = FixtureImage(layers: [.layer("multi-arm64")], platform: ["architecture": "arm64", "os": "linux"])
        let multiFiles = LayoutBuilder.files(
            at: "images/multi", images: [amd64, arm64], name: "public.ecr.aws/demo/app:multi", multiPlatform: true)
        let top =
            try JSONSerialization.jsonObject(with: multiFiles["images/multi/index.json"] ?? Data()) as? [String: Any]
        let entries = top?["manifests"] as? [[String: Any]] ?? []
        let indexDigest = try #require(entries.first?["digest"] as? String)

        var layers = single.blobs
        for image in [amd64, arm64] {
            for blob in [image.config] + image.layers { layers[blob.digest] = blob.size }
        }
        let emulator = try Emulator(repositories: ["app": layers])
        // The platform manifests are published, their index is not; the single image's manifest is not either.
        try emulator.setImage(repository: "app", digest: amd64.manifest.digest)
        try emulator.setImage(repository: "app", digest: arm64.manifest.digest)
        let repo = try GitFixture()
        try single.write(into: repo)
        try repo.write(multiFiles)
        _ = try repo.commitAll("two layouts")

        let environment = emulator.environment.merging([
            "VERIFY_LAYERS_REGISTRY_URL": emulator.url, "VERIFY_LAYERS_CHECK_MANIFESTS": "",
        ]) { $1 }
        let result = try repo.verifyLayers(["check", "--via", via, "--format", "json"], environment: environment)
        #expect(result.status == 1, "\(result.combined)")

        let unpublished = try Self.findings(result.stdout, rule: "manifest-unpublished")
        let singleIndex = single.files["images/single/index.json"]
        let singleLine = try #require(Self.line(of: single.image.manifest.digest, in: singleIndex))
        #expect(singleLine > 1, "the builder pretty-prints index.json, so line 1 would be a guess")
        let singleFinding = try #require(unpublished.first { $0["digest"] as? String == single.image.manifest.digest })
        #expect(singleFinding["path"] as? String == "images/single/index.json")
        #expect(singleFinding["line"] as? Int == singleLine)

        let indexLine = try #require(Self.line(of: indexDigest, in: multiFiles["images/multi/index.json"]))
        let indexFindings = unpublished.filter { $0["digest"] as? String == indexDigest }
        #expect(indexFindings.count == 2, "one per platform image: \(unpublished)")
        for finding in indexFindings {
            #expect(finding["path"] as? String == "images/multi/index.json")
            #expect(finding["line"] as? Int == indexLine)
        }

        // The tags are written in the same entries: a tag that does not exist is located there too.
        let tags = try Self.findings(result.stdout, rule: "tag-mismatch")
        #expect(tags.count == 3, "\(tags)")
        for tag in tags {
            let path = tag["path"] as? String ?? ""
            #expect(path == "images/single/index.json" || path == "images/multi/index.json", "\(tag)")
            #expect(tag["line"] as? Int == (path == "images/single/index.json" ? singleLine : indexLine))
        }
    }
}

/// SPEC §5 for a document that cannot be used: a `manifest-invalid` is located at the value that is wrong, at the
/// entry that lacks a field, or where the JSON breaks, not at line 1 (a GitHub annotation lands on that line).
@Suite struct SchemaErrorLocationTests {
    static let layout = #"{"imageLayoutVersion": "1.0.0"}"#

    static func manifestInvalid(_ repo: GitFixture) throws -> [[String: Any]] {
        let result = try repo.verifyLayers(["list", "--format", "json"], environment: [:])
        return try ManifestFindingLocationTests.findings(result.stdout, rule: "manifest-invalid")
    }

    @Test func aWrongValueInAManifestBlobIsLocatedAtItsLine() throws {
        let layer = FixtureBlob.layer("schema")
        let config = FixtureBlob(
            data: Data(#"{"architecture":"amd64","os":"linux"}"#.utf8), mediaType: MediaType.ociConfig)
        let manifestText = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "config": {"mediaType": "\(config.mediaType)", "digest": "\(config.digest)", "size": \(config.size)},
              "layers": [
                {"mediaType": "\(layer.mediaType)", "digest": "\(layer.digest)", "size": \(layer.size)},
                {
                  "mediaType": "\(layer.mediaType)",
                  "digest": "\(layer.digest)",
                  "size": "\(layer.size)"
                }
              ]
            }
            """
        let manifest = FixtureBlob(data: Data(manifestText.utf8), mediaType: MediaType.ociManifest)
        let index = """
            {"schemaVersion": 2, "manifests": [
              {"mediaType": "\(manifest.mediaType)", "digest": "\(manifest.digest)", "size": \(manifest.size)}
            ]}
            """
        let repo = try GitFixture()
        try repo.write([
            "img/oci-layout": Data(Self.layout.utf8), "img/index.json": Data(index.utf8),
            "img/blobs/sha256/\(manifest.hex)": manifest.data, "img/blobs/sha256/\(config.hex)": config.data,
            "img/blobs/sha256/\(layer.hex)": layer.data,
        ])
        _ = try repo.commitAll("a manifest whose second layer's size is a string")
        let found = try Self.manifestInvalid(repo)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["path"] as? String == "img/blobs/sha256/\(manifest.hex)")
        #expect(found.first?["line"] as? Int == 10, "the line of \"size\": \"…\": \(found)")
        #expect((found.first?["message"] as? String ?? "").contains("layers[1].size"), "\(found)")
    }

    @Test(arguments: [
        // An entry without its digest: the entry's line.
        (#"{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 12}"#, 4),
        // A size that is not a number: the value's line.
        (
            #"{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\#(String(repeating: "a", count: 64))", "size": true}"#,
            4
        ),
        // Broken JSON: where it breaks.
        (#"{"mediaType": "application/vnd.oci.image.manifest.v1+json",, "size": 1}"#, 4),
    ])
    func anIndexEntryIsLocatedAtItsLine(entry: String, line: Int) throws {
        let index = """
            {
              "schemaVersion": 2,
              "manifests": [
                \(entry)
              ]
            }
            """
        let repo = try GitFixture()
        try repo.write(["img/oci-layout": Data(Self.layout.utf8), "img/index.json": Data(index.utf8)])
        _ = try repo.commitAll("a broken index entry")
        let found = try Self.manifestInvalid(repo)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["path"] as? String == "img/index.json")
        #expect(found.first?["line"] as? Int == line, "\(found)")
    }
}
