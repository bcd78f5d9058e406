import Foundation
import ImageModel
import Testing

@testable import ImageOutputs

/// A digest written twice in one document (a layer listed twice, as buildkit's repeated empty layers are; one manifest
/// under two names in an index): each descriptor's findings point at its own line (SPEC §5: the line of the digest),
/// not both at the first, which read as one finding shown twice.
@Suite struct RepeatedDigestTests {
    /// `pkg/v1/layout/testdata/test_with_ref/index.json` of google/go-containerregistry (Apache-2.0): five entries, the
    /// third and fifth naming sha256:05f95b26… (as an OCI index, then as a Docker list under another name); none of
    /// the blobs is in the layout, the second entry has a media type that is not followed.
    static let ggcrIndexWithRefs = """
        {
          "schemaVersion": 2,
          "manifests": [
            {
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "size": 423,
              "digest": "sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650",
              "annotations": {
                "org.opencontainers.image.ref.name": "reg.local/repo1@sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650"
              }
            },
            {
              "mediaType": "application/vnd.oci.descriptor.v1+json",
              "size": 423,
              "digest": "sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720",
              "annotations": {
                "org.opencontainers.image.ref.name": "reg.local/repo2@sha256:32589985702551b6c56033bb3334432a0a513bf9d6aceda0f67c42b003850720"
              }
            },
            {
              "mediaType": "application/vnd.oci.image.index.v1+json",
              "size": 314,
              "digest": "sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5",
              "annotations": {
                "org.opencontainers.image.ref.name": "reg.local/repo3@sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5"
              }
            },
            {
              "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
              "size": 314,
              "digest": "sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb",
              "annotations": {
                "org.opencontainers.image.ref.name": "reg.local/repo4@sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb"
              }
            },
            {
              "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
              "size": 314,
              "digest": "sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5",
              "annotations": {
                "org.opencontainers.image.ref.name": "reg.local/repo4:latest"
              }
            }
          ]
        }
        """

    @Test func eachIndexEntryOfARepeatedManifestPointsAtItsOwnLine() {
        let layout = MemoryLayout()
        layout.files["img/index.json"] = Data(Self.ggcrIndexWithRefs.utf8)
        let findings = readLayout(layout).allFindings
        #expect(findings.allSatisfy { $0.rule == .blobMissing && $0.path == "img/index.json" }, "\(findings)")
        #expect(findings.map(\.line) == [7, 23, 31, 39])
        #expect(
            findings.map(\.image) == [
                "reg.local/repo1@sha256:eebff607b1628d67459b0596643fc07de70d702eccf030f0bc7bb6fc2b278650",
                "reg.local/repo3@sha256:05f95b26ed10668b7183c1e2da98610e91372fa9f510046d4ce5812addad86b5",
                "reg.local/repo4@sha256:2b29a2b8dea3af91ea7d0154be1da0c92d55ddd098540930fc8d3db7de377fdb",
                "reg.local/repo4:latest",
            ])
    }

    @Test func aLayerListedTwiceHasBothItsLines() throws {
        let layout = MemoryLayout()
        let (a, b) = (layout.layer("a"), layout.layer("b"))
        let manifest = layout.manifest(config: layout.config(), layers: [a, b, a])
        layout.top([manifest.descriptor(MediaType.ociManifest)])
        let image = try #require(readLayout(layout).images.first)
        let text = String(decoding: manifest.data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        let linesOfA = text.indices.filter { text[$0].contains(a.digest) }.map { $0 + 1 }
        #expect(linesOfA.count == 2)
        #expect(image.blobs.filter { $0.digest.string == a.digest }.map(\.line) == linesOfA)
        #expect(image.blobs.filter { $0.digest.string == b.digest }.map(\.line) == [manifest.line(of: b.digest)])
    }

    @Test func digestLinesGiveEachOccurrenceAndTheLastBeyondThem() throws {
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let lines = DigestLines(Data("{\"x\": \"\(digest)\",\n\"y\": [\n\"\(digest)\",\n\"\(digest)\"]}".utf8))
        let parsed = try #require(Digest(digest))
        #expect(lines.hasRepeats)
        #expect((0..<4).map { lines.line(of: parsed, occurrence: $0) } == [1, 3, 4, 4])
        #expect(!DigestLines(Data("\"\(digest)\"".utf8)).hasRepeats)
    }
}
