import Foundation
import Testing

@testable import ImageModel

private let digest = "sha256:" + String(repeating: "1", count: 64)

@Test func dockerManifestListParsesAsIndexWithPlatforms() throws {
    let json = """
        {"schemaVersion":2,"mediaType":"\(MediaType.dockerList)","manifests":[
         {"mediaType":"\(MediaType.dockerManifest)","digest":"\(digest)","size":10,"platform":{"architecture":"arm","os":"linux","variant":"v7","os.features":["x"]}}]}
        """
    guard case .index(let index) = try DocumentParser.parse(Data(json.utf8)) else {
        Issue.record("not an index"); return
    }
    #expect(index.manifests.first?.platform?.platform.description == "linux/arm/v7")
}

@Test func dockerSchema2ManifestParses() throws {
    let json = """
        {"schemaVersion":2,"mediaType":"\(MediaType.dockerManifest)","config":{"mediaType":"\(MediaType.dockerConfig)","digest":"\(digest)","size":1},
         "layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"\(digest)","size":5,"urls":["https://example.com/l"]}]}
        """
    guard case .manifest(let manifest) = try DocumentParser.parse(Data(json.utf8)) else {
        Issue.record("not a manifest"); return
    }
    #expect(MediaType.isNonDistributable(manifest.layers[0].mediaType ?? ""))
    #expect(manifest.layers[0].urls == ["https://example.com/l"])
}

@Test func dockerSchema1IsNamed() {
    let json = #"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[{"blobSum":"sha256:00"}]}"#
    #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data(json.utf8)) }
    do { _ = try DocumentParser.parse(Data(json.utf8)) } catch { #expect("\(error)".contains("schema 1")) }
}

/// image-spec's `schema/manifest_test.go` "mediaType does not match pattern" manifest, and an index saying it is
/// something else: a document's own mediaType, when given, must be its kind's (image-spec: MUST), or it is no manifest a
/// registry takes; read as one by its shape, it was checked as if valid.
@Test func documentSayingAnotherMediaTypeThanItsKindIsRefused() {
    let imageSpec = """

        {
          "schemaVersion": 2,
          "mediaType": "invalid",
          "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 1470,
            "digest": "sha256:c86f7763873b6c0aae22d963bab59b4f5debbed6685761b5951584f6efb0633b"
          },
          "layers": [
            {
              "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
              "size": 148,
              "digest": "sha256:c57089565e894899735d458f0fd4bb17a0f1e0df8d72da392b85c9b35ee777cd"
            }
          ]
        }

        """
    let index = #"{"schemaVersion":2,"mediaType":"application/vnd.example.list+json","manifests":[]}"#
    for (json, kind) in [(imageSpec, "manifest"), (index, "index")] {
        do {
            _ = try DocumentParser.parse(Data(json.utf8))
            Issue.record("accepted: \(json)")
        } catch {
            #expect("\(error)".hasPrefix("mediaType: is ") && "\(error)".contains("not an image \(kind)'s"), "\(error)")
        }
    }
}

@Test func emptyDescriptorIsRecognised() throws {
    let json = """
        {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/vnd.example+type",
         "config":{"mediaType":"\(MediaType.ociEmpty)","digest":"\(MediaType.emptyDigest)","size":2,"data":"e30="},
         "layers":[{"mediaType":"\(MediaType.ociEmpty)","digest":"\(MediaType.emptyDigest)","size":2}],
         "subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(digest)","size":100}}
        """
    guard case .manifest(let manifest) = try DocumentParser.parse(Data(json.utf8)) else {
        Issue.record("not a manifest"); return
    }
    #expect(manifest.config.isEmptyDescriptor)
    #expect(manifest.config.data == "e30=")
    #expect(manifest.subject?.digest == digest)
    #expect(manifest.artifactType == "application/vnd.example+type")
}

@Test(arguments: [
    ("truncated", #"{"schemaVersion":2,"manifests":[{"digest":"#),
    ("not an object", #"[1,2,3]"#),
    ("size is a string", #"{"manifests":[{"mediaType":"x","digest":"sha256:1","size":"12"}]}"#),
    ("size is fractional", #"{"manifests":[{"digest":"sha256:1","size":1.5}]}"#),
    ("size beyond Int64", #"{"manifests":[{"digest":"sha256:1","size":99999999999999999999999}]}"#),
    ("manifests not a list", #"{"manifests":{"a":1}}"#),
    (
        "layers missing",
        #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:1","size":1}}"#
    ),
    ("unknown document", #"{"hello":"world"}"#),
    ("NUL bytes", "{\"a\":\u{0}}"),
])
func malformedDocumentsAreFailuresNotCrashes(_ label: String, _ json: String) {
    #expect(throws: DocumentParser.Failure.self, "\(label)") { try DocumentParser.parse(Data(json.utf8)) }
}

@Test func deeplyNestedJSONIsAFailure() {
    let json = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data(json.utf8)) }
    let nested =
        "{\"manifests\":[], \"annotations\":" + String(repeating: "{\"a\":", count: 5000) + "1"
        + String(repeating: "}", count: 5000) + "}"
    #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(Data(nested.utf8)) }
}

@Test func documentsOver4MiBAreRefusedBeforeParsing() {
    let data = Data(count: DocumentParser.maxDocumentSize + 1)
    do {
        _ = try DocumentParser.parse(data)
        Issue.record("parsed")
    } catch {
        #expect("\(error)".contains("4 MiB"))
    }
}

@Test(arguments: [
    ("application/vnd.oci.image.layer.nondistributable.v1.tar", true),
    ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", true),
    ("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", true),
    ("application/vnd.docker.image.rootfs.foreign.diff.tar", true),
    ("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", true),
    ("application/vnd.oci.image.layer.v1.tar+gzip", false),
    ("application/vnd.docker.image.rootfs.diff.tar.gzip", false),
    ("application/vnd.in-toto+json", false),
    ("", false),
])
func nonDistributableMediaTypes(_ type: String, _ skipped: Bool) {
    #expect(MediaType.isNonDistributable(type) == skipped)
}

/// image-spec: `schemaVersion` MUST be 2 in an index and a manifest; another value is a `manifest-invalid` reason, not an
/// image read as if it were one. A document without it is still read (hand-written manifests often leave it out).
@Test func schemaVersionOtherThanTwoIsRefused() throws {
    let digest = "sha256:" + String(repeating: "a", count: 64)
    let manifest = { (version: String) in
        Data(
            #"{\#(version)"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":2},"layers":[]}"#
                .utf8)
    }
    for version in ["1", "3", "0"] {
        #expect(throws: DocumentParser.Failure.self) {
            try DocumentParser.parse(manifest(#""schemaVersion":\#(version),"#))
        }
        let index = Data(#"{"schemaVersion":\#(version),"manifests":[]}"#.utf8)
        #expect(throws: DocumentParser.Failure.self) { try DocumentParser.parse(index) }
    }
    _ = try DocumentParser.parse(manifest(#""schemaVersion":2,"#))
    _ = try DocumentParser.parse(manifest(""))
}
