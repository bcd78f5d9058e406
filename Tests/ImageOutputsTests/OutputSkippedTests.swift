import Foundation
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

/// Nothing skipped in silence (issue 11): what looks like an output but is not read is an `output-skipped` notice saying why.

@Test func indexEntryWithANonManifestMediaTypeOverAManifestBlobIsANotice() throws {
    let layout = MemoryLayout()
    let config = layout.config()
    let manifest = layout.manifest(config: config, layers: [layout.layer("a")])
    let unknown = layout.put(Blob("not a document at all"))
    let top = layout.top([
        manifest.descriptor("application/vnd.example.not-a-manifest"),
        unknown.descriptor("application/vnd.example.blob"),
    ])
    let result = readLayout(layout)
    #expect(result.images.isEmpty)
    let notice = try #require(result.allFindings.first)
    #expect(result.allFindings.count == 1, "the entry whose blob is no manifest is not reported: \(result.allFindings)")
    #expect(notice.rule == .outputSkipped && notice.severity == .notice)
    #expect(
        notice.message.contains("application/vnd.example.not-a-manifest")
            && notice.message.contains("its blob is an image manifest"))
    #expect(notice.path == "img/index.json" && notice.line == top.line(of: manifest.digest))
}

@Test func dockerManifestJSONWhereAManifestWasExpectedIsANotice() throws {
    let source = MemoryFileSource(files: [
        "deploy/manifest.json": Data(#"[{"Config":"abc.json","RepoTags":["app:1"],"Layers":["x/layer.tar"]}]"#.utf8)
    ])
    let result = LayoutReader(source: source, resolver: appResolver).read(
        ImageOutput(kind: .manifestFile, path: "deploy/manifest.json"))
    #expect(result.allFindings.map(\.rule) == [.outputSkipped])
    #expect(result.allFindings.first?.message.contains("docker archive's manifest.json") == true)
}

@Test func nullManifestsSaysNullNotMissing() throws {
    let nested = Data(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}"#.utf8)
    #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(nested) }
    do {
        _ = try DocumentParser.parse(nested)
    } catch {
        #expect("\(error)" == "manifests: is null, but an array of descriptors is required")
    }
    let layout = MemoryLayout()
    layout.files["img/index.json"] = Data(
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}"#.utf8)
    #expect(readLayout(layout).allFindings.first?.message == "manifests: required field is missing")
}

/// An empty layout (what `umoci init` writes: `manifests` null, as Go marshals an empty list; or `[]`) is read and holds
/// nothing: a notice says so, no error, no image.
@Test func emptyLayoutIsANoticeWhetherItsManifestsAreNullOrEmpty() throws {
    for manifests in ["null", "[]"] {
        let layout = MemoryLayout()
        layout.files["img/index.json"] = Data(#"{"schemaVersion":2,"manifests":\#(manifests)}"#.utf8)
        let result = readLayout(layout)
        #expect(result.images.isEmpty)
        #expect(result.allFindings.map(\.rule) == [.outputSkipped], "\(manifests)")
        #expect(result.allFindings.first?.message.contains("holds no images") == true)
        #expect(result.allFindings.first?.path == "img/index.json")
    }
}

/// An OCI 1.1-rc artifact manifest (`blobs`, no `config`) beside an image, as oras 1.0 wrote them; the document is the
/// fixture `manifest/ociartifact/fixtures/manifest.json` of distribution/distribution (Apache-2.0), its subject pointed
/// at the image. It is not read (no registry accepts it since OCI 1.1 dropped it), and that is said; the image is read.
@Test func ociArtifactManifestEntryIsANoticeAndTheImageIsStillRead() throws {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("a")])
    let artifact = layout.put(
        Blob(
            """
            {
              "mediaType": "application/vnd.oci.artifact.manifest.v1+json",
              "artifactType": "application/vnd.example.sbom.v1",
              "blobs": [
                {
                  "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                  "digest": "sha256:b093528a5eabd2ce6c954c0ecad0509f95536744c176f181c2640a8b126cdbcf",
                  "size": 29876998
                }
              ],
              "subject": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "size": \(manifest.data.count),
                "digest": "\(manifest.digest)"
              }
            }

            """))
    let top = layout.top([
        manifest.descriptor(MediaType.ociManifest), artifact.descriptor(MediaType.ociArtifactManifest),
    ])
    let result = readLayout(layout)
    #expect(result.images.map(\.manifestDigest) == [manifest.digest])
    let notices = result.allFindings
    #expect(notices.map(\.rule) == [.outputSkipped], "\(notices)")
    #expect(notices.first?.message.contains("OCI artifact manifest") == true)
    #expect(notices.first?.path == "img/index.json" && notices.first?.line == top.line(of: artifact.digest))
    #expect(notices.first?.digest == artifact.digest)
}

/// An old Docker Hub manifest list whose entries are Docker schema 1 manifests (image-spec's
/// `schema/manifest_backwards_compatibility_test.go`, byte for byte): none of its images can be read, and each entry
/// says so (it was five entries skipped in silence, nothing checked and nothing said, whether the blobs were there or not).
@Test func dockerSchema1EntriesOfAManifestListAreNoticesNotSilence() throws {
    func entry(_ size: Int, _ digest: String, _ platform: String) -> String {
        """
              {
                 "mediaType": "application/vnd.docker.distribution.manifest.v1+json",
                 "size": \(size),
                 "digest": "sha256:\(digest)",
                 "platform": {
        \(platform)
                 }
              }
        """
    }
    let platforms = [
        (
            2094, "7820f9a86d4ad15a2c4f0c0e5479298df2aa7c2f6871288e2ef8546f3e7b6783",
            "            \"architecture\": \"ppc64le\",\n            \"os\": \"linux\""
        ),
        (
            1922, "ae1b0e06e8ade3a11267564a26e750585ba2259c0ecab59ab165ad1af41d1bdd",
            "            \"architecture\": \"amd64\",\n            \"os\": \"linux\",\n            \"features\": [\n"
                + "               \"sse\"\n            ]"
        ),
        (
            2084, "e4c0df75810b953d6717b8f8f28298d73870e8aa2a0d5e77b8391f16fdfbbbe2",
            "            \"architecture\": \"s390x\",\n            \"os\": \"linux\""
        ),
        (
            2084, "07ebe243465ef4a667b78154ae6c3ea46fdb1582936aac3ac899ea311a701b40",
            "            \"architecture\": \"arm\",\n            \"os\": \"linux\",\n            \"variant\": \"armv7\""
        ),
        (
            2090, "fb2fc0707b86dafa9959fe3d29e66af8787aee4d9a23581714be65db4265ad8a",
            "            \"architecture\": \"arm64\",\n            \"os\": \"linux\",\n            \"variant\": \"armv8\""
        ),
    ]
    let text =
        "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n"
        + "   \"manifests\": [\n" + platforms.map { entry($0.0, $0.1, $0.2) }.joined(separator: ",\n") + "\n   ]\n}"
    let list = Blob(text)
    #expect(list.digest == "sha256:e588eb8123f2031a41f2e60bc27f30a4388e181e07410aff392f7dc96b585969", "the exact bytes")
    let layout = MemoryLayout()
    _ = layout.put(list)
    layout.top([list.descriptor(MediaType.dockerList)])
    let result = readLayout(layout)
    #expect(result.images.isEmpty)
    #expect(result.allFindings.map(\.rule) == Array(repeating: .outputSkipped, count: 5), "\(result.allFindings)")
    #expect(
        result.allFindings.allSatisfy { $0.message.contains("Docker schema 1") && $0.path == layout.path(of: list) })
    #expect(result.allFindings.map(\.line) == platforms.map { list.line(of: "sha256:" + $0.1) })
}
