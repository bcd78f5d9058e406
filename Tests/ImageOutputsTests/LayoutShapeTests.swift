import Foundation
import ImageModel
import Testing

@testable import ImageOutputs

@Test func singleImageListsConfigThenLayersWithTheirLines() throws {
    let layout = MemoryLayout()
    let layers = [layout.layer("a"), layout.layer("b")]
    let config = layout.config()
    let manifest = layout.manifest(config: config, layers: layers)
    layout.top([
        manifest.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:1"]])
    ])
    let result = readLayout(layout, resolver: RepositoryResolver())
    let image = try #require(result.images.first)
    #expect(result.images.count == 1)
    #expect(result.allFindings.isEmpty)
    #expect(image.name == "public.ecr.aws/demo/app:1")
    #expect(image.repository == RepositoryRef(registryId: "demo", repositoryName: "app"))
    #expect(image.platform?.description == "linux/amd64", "platform comes from the config when the index gives none")
    #expect(image.manifestPath == layout.path(of: manifest))
    #expect(image.blobs.map(\.digest.string) == [config.digest] + layers.map(\.digest))
    #expect(image.blobs.map(\.role) == [.config, .layer, .layer])
    for blob in image.blobs {
        #expect(blob.path == layout.path(of: manifest))
        #expect(blob.line == manifest.line(of: blob.digest.string) && blob.line > 1)
    }
}

@Test func nestedIndexesCarryNameAndPlatformDown() throws {
    let layout = MemoryLayout()
    let amd = layout.manifest(config: layout.config(), layers: [layout.layer("amd")])
    let arm = layout.manifest(
        config: layout.config(architecture: "arm64", variant: "v8"), layers: [layout.layer("arm")])
    let inner = layout.index([
        amd.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]]),
        arm.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "arm64", "variant": "v8"]]),
    ])
    let middle = layout.index(
        [inner.descriptor(MediaType.ociIndex)], annotations: ["io.containerd.image.name": "public.ecr.aws/demo/app:v2"])
    layout.top([middle.descriptor(MediaType.ociIndex)])
    let result = readLayout(layout, resolver: RepositoryResolver())
    #expect(result.allFindings.isEmpty)
    #expect(result.images.map { $0.platform?.description ?? "-" } == ["linux/amd64", "linux/arm64/v8"])
    #expect(
        result.images.allSatisfy { $0.name == "public.ecr.aws/demo/app:v2" && $0.repository?.repositoryName == "app" })
    #expect(result.images.map(\.manifestDigest) == [amd.digest, arm.digest])
}

@Test func dockerManifestListSchema2AndForeignLayers() throws {
    let layout = MemoryLayout()
    let foreign = layout.layer("foreign", store: false)
    let gz = layout.layer("gz")
    let config = layout.config(os: "windows", mediaType: MediaType.dockerConfig)
    var json: [String: Any] = [
        "schemaVersion": 2, "mediaType": MediaType.dockerManifest, "config": config.descriptor(MediaType.dockerConfig),
    ]
    json["layers"] = [
        foreign.descriptor(
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", ["urls": ["https://mcr.microsoft.com/x"]]),
        gz.descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip"),
    ]
    let manifest = layout.put(Blob(json: json))
    let list = layout.index(
        [
            manifest.descriptor(
                MediaType.dockerManifest,
                ["platform": ["os": "windows", "architecture": "amd64", "os.version": "10.0.17763.1"]])
        ],
        mediaType: MediaType.dockerList)
    layout.top([list.descriptor(MediaType.dockerList)])
    let result = readLayout(layout)
    let image = try #require(result.images.first)
    #expect(image.platform?.description == "windows/amd64")
    #expect(image.blobs.count == 3)
    let skipped = result.allFindings.filter { $0.rule == .layerSkipped }
    #expect(skipped.count == 1)
    #expect(skipped.first?.severity == .notice)
    #expect(skipped.first?.digest == foreign.digest)
    #expect(skipped.first?.platform == "windows/amd64")
    #expect(skipped.first?.line == manifest.line(of: foreign.digest))
    #expect(result.allFindings.count == 1)
}

@Test func skopeoDirWithAnIndexUsesItsManifestFileNames() throws {
    let layout = MemoryLayout("vendor/skopeo", skopeo: true)
    let amd = layout.manifest(config: layout.config(), layers: [layout.layer("1")])
    let arm = layout.manifest(config: layout.config(architecture: "arm64"), layers: [layout.layer("2")])
    layout.top([
        amd.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]]),
        arm.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "arm64"]]),
    ])
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty)
    #expect(
        result.images.map(\.manifestPath) == [
            "vendor/skopeo/\(amd.hex).manifest.json", "vendor/skopeo/\(arm.hex).manifest.json",
        ])
    #expect(result.images.map(\.outputPath) == ["vendor/skopeo", "vendor/skopeo"])
}

@Test func skopeoDirWithASingleManifestChecksBlobsNamedByHex() throws {
    let layout = MemoryLayout("s", skopeo: true)
    let layer = layout.layer("x")
    let config = layout.config()
    let manifest = layout.manifest(config: config, layers: [layer], store: false)
    layout.files["s/manifest.json"] = manifest.data
    layout.files["s/\(layer.hex)"] = Data("tampered".utf8)
    let result = readLayout(layout)
    #expect(result.images.first?.manifestPath == "s/manifest.json")
    let mismatch = try #require(result.allFindings.first { $0.rule == .digestMismatch })
    #expect(mismatch.path == "s/manifest.json")
    #expect(mismatch.line == manifest.line(of: layer.digest))
    #expect(mismatch.message.contains("s/\(layer.hex)"))
    #expect(result.rules() == ["digest-mismatch", "size-mismatch"])
}

@Test func standaloneManifestFileReadsBlobsBesideIt() throws {
    let layout = MemoryLayout("deploy")
    let layer = layout.layer("l")
    let manifest = layout.manifest(config: layout.config(), layers: [layer], store: false)
    layout.files["deploy/app.manifest.json"] = manifest.data
    let reader = LayoutReader(source: layout.source(), resolver: appResolver)
    let result = reader.read(ImageOutput(kind: .manifestFile, path: "deploy/app.manifest.json"))
    #expect(result.images.count == 1)
    #expect(result.images.first?.manifestPath == "deploy/app.manifest.json")
    #expect(result.images.first?.platform?.description == "linux/amd64")
    #expect(result.allFindings.isEmpty)
}

@Test func buildxAttestationManifestsAreCheckedWhenPresentAndQuietWhenAbsent() throws {
    let layout = MemoryLayout()
    let image = layout.manifest(config: layout.config(), layers: [layout.layer("app")])
    let statement = layout.layer("in-toto", mediaType: MediaType.inToto)
    let attestation = layout.manifest(
        config: layout.config(os: "", architecture: ""), layers: [statement], layerType: MediaType.inToto)
    let attestationEntry = attestation.descriptor(
        MediaType.ociManifest,
        [
            "platform": ["os": "unknown", "architecture": "unknown"],
            "annotations": [
                "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": image.digest,
            ],
        ])
    let list = layout.index([
        image.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]]),
        attestationEntry,
    ])
    layout.top([
        list.descriptor(MediaType.ociIndex, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:1"]])
    ])
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty)
    #expect(result.images.map { $0.platform?.description ?? "-" } == ["linux/amd64", "unknown/unknown"])
    #expect(result.images[1].blobs.map(\.digest.string).contains(statement.digest))
    #expect(result.images[1].name == "public.ecr.aws/demo/app:1")

    layout.files.removeValue(forKey: layout.path(of: attestation))
    let withoutAttestation = readLayout(layout)
    #expect(withoutAttestation.images.count == 1)
    #expect(withoutAttestation.allFindings.isEmpty, "an absent attestation is not a problem")

    layout.files.removeValue(forKey: layout.path(of: image))
    let withoutImage = readLayout(layout)
    let missing = try #require(withoutImage.allFindings.first)
    #expect(withoutImage.allFindings.count == 1)
    #expect(missing.rule == .blobMissing && missing.severity == .warning)
    #expect(missing.platform == "linux/amd64")
    #expect(missing.path == layout.path(of: list))
    #expect(missing.line == list.line(of: image.digest))
}

@Test func subjectReferrerLeadsToItsImageAndTakesItsPlatform() throws {
    let layout = MemoryLayout()
    let image = layout.manifest(config: layout.config(architecture: "arm64"), layers: [layout.layer("app")])
    let empty = layout.put(Blob("{}"))
    let signature = layout.layer("signature", mediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
    let referrer = layout.manifest(
        config: empty, layers: [signature], configType: MediaType.ociEmpty,
        layerType: "application/vnd.dev.cosign.simplesigning.v1+json",
        extra: [
            "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
            "subject": image.descriptor(MediaType.ociManifest),
        ])
    // The index lists only the referrer: the image is reached through `subject`.
    layout.top([
        referrer.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:sig"]])
    ])
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty)
    #expect(Set(result.images.map { $0.manifestDigest ?? "" }) == [image.digest, referrer.digest])
    #expect(result.images.allSatisfy { $0.platform?.description == "linux/arm64" })
    let referrerImage = try #require(result.images.first { $0.manifestDigest == referrer.digest })
    #expect(referrerImage.blobs.map(\.digest.string) == [MediaType.emptyDigest, signature.digest])
}

@Test func emptyDescriptorInlineDataIsChecked() throws {
    let layout = MemoryLayout()
    let good =
        ["mediaType": MediaType.ociEmpty, "digest": MediaType.emptyDigest, "size": 2, "data": "e30="] as [String: Any]
    let bad =
        ["mediaType": MediaType.ociEmpty, "digest": MediaType.emptyDigest, "size": 2, "data": "W10K"] as [String: Any]
    let okManifest = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest, "config": good, "layers": [good],
            "artifactType": "application/vnd.example",
        ]))
    let badManifest = layout.put(
        Blob(json: [
            "schemaVersion": 2, "mediaType": MediaType.ociManifest, "config": bad, "layers": [],
            "artifactType": "application/vnd.example",
        ]))
    layout.top([okManifest.descriptor(MediaType.ociManifest), badManifest.descriptor(MediaType.ociManifest)])
    let result = readLayout(layout)
    #expect(result.images[0].findings.isEmpty)
    #expect(result.images[0].blobs.map(\.digest.string) == [MediaType.emptyDigest, MediaType.emptyDigest])
    #expect(result.images[1].findings.map(\.rule.rawValue).sorted() == ["digest-mismatch", "size-mismatch"])
}

@Test func uncompressedLayersGiveOneWarningPerImage() throws {
    let layout = MemoryLayout()
    let layers = [
        layout.layer("tar1", mediaType: "application/vnd.oci.image.layer.v1.tar"),
        layout.layer("tar2", mediaType: "application/vnd.oci.image.layer.v1.tar"),
    ]
    let config = layout.config(diffIDs: layers.map(\.digest))
    let manifest = layout.manifest(config: config, layers: layers, layerType: "application/vnd.oci.image.layer.v1.tar")
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    let result = readLayout(layout)
    let warnings = result.allFindings.filter { $0.rule == .layerUncompressed }
    #expect(warnings.count == 1)
    #expect(warnings.first?.severity == .warning)
    #expect(warnings.first?.message.contains("2 of 2 layers") == true)
    #expect(warnings.first?.message.contains("docker save") == true)
    #expect(warnings.first?.line == manifest.line(of: layers[0].digest))
    #expect(result.allFindings.count == 1)
}

/// buildkit writes an attestation manifest's config with `rootfs.diff_ids` equal to its in-toto blobs' digests (JSON,
/// their own uncompressed form), and cosign does the same for a signature: those blobs are pushed as they are, so they
/// are no `layer-uncompressed` warning (with `strict: true`, every buildx output with provenance failed). A tar layer
/// named by its diff_id still is.
@Test func attestationAndSignatureBlobsNamedByTheirDiffIDsAreNotUncompressedLayers() throws {
    let layout = MemoryLayout()
    let image = layout.manifest(config: layout.config(), layers: [layout.layer("app")])
    let (attestation, statement) = layout.attestationEntry(for: image)
    let signed = layout.layer("cosign payload", mediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
    let signature = layout.manifest(
        config: layout.config(os: "", architecture: "", diffIDs: [signed.digest]), layers: [signed],
        layerType: "application/vnd.dev.cosign.simplesigning.v1+json")
    let list = layout.index([
        image.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]]), attestation,
    ])
    layout.top([
        list.descriptor(MediaType.ociIndex, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:1"]]),
        signature.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:sig"]]),
    ])
    let result = readLayout(layout)
    #expect(result.allFindings.isEmpty, "\(result.allFindings)")
    #expect(result.images.count == 3)
    #expect(result.images.flatMap(\.blobs).map(\.digest.string).contains(statement.digest))
}

@Test func localBlobsAreCheckedAgainstTheirDescriptors() throws {
    let layout = MemoryLayout()
    let layer = layout.layer("real")
    let config = layout.config()
    let manifest = layout.manifest(config: config, layers: [layer])
    layout.top([manifest.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]])])
    layout.files[layout.path(of: layer)] = Data("layer reax".utf8)  // same size, different content
    layout.files[layout.path(of: config)] = Data("{}".utf8)
    let result = readLayout(layout)
    let layerFinding = try #require(result.allFindings.first { $0.digest == layer.digest })
    #expect(layerFinding.rule == .digestMismatch)
    #expect(layerFinding.path == layout.path(of: manifest))
    #expect(layerFinding.line == manifest.line(of: layer.digest))
    #expect(layerFinding.platform == "linux/amd64")
    #expect(layerFinding.repository == "public.ecr.aws/demo/app")
    let configFindings = result.allFindings.filter { $0.digest == config.digest }.map(\.rule.rawValue).sorted()
    #expect(configFindings == ["digest-mismatch", "size-mismatch"])
    #expect(result.images.first?.blobs.count == 2, "a locally corrupt blob is still asked about")
}

@Test func manifestWhoseContentDoesNotMatchItsNameIsNotFollowed() throws {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")])
    layout.top([manifest.descriptor(MediaType.ociManifest)])
    let other = layout.manifest(config: layout.config(), layers: [layout.layer("evil")], store: false)
    layout.files[layout.path(of: manifest)] = other.data
    let result = readLayout(layout)
    #expect(result.images.isEmpty)
    #expect(result.rules().contains("digest-mismatch"))
    #expect(result.allFindings.first { $0.rule == .digestMismatch }?.path == "img/index.json")
}

@Test func unknownIndexEntriesAreNotErrors() {
    let layout = MemoryLayout()
    let manifest = layout.manifest(config: layout.config(), layers: [layout.layer("x")])
    let stray = layout.layer("artifact")
    layout.top([stray.descriptor("application/vnd.example.thing.v1+tar"), manifest.descriptor(MediaType.ociManifest)])
    let result = readLayout(layout)
    #expect(result.images.count == 1)
    #expect(result.allFindings.isEmpty)
}

/// image-spec's `schema/imageindex_test.go` entries: a descriptor media type that is no media type (`invalid`, empty) is
/// a schema error, said at its entry (it was skipped in silence like an unknown type); a well-formed custom type
/// (`application/customized.manifest+json`) is valid and, its blob absent, not followed and not an error.
@Test func indexEntryMediaTypesThatAreNoMediaTypeAreSchemaErrors() throws {
    let layout = MemoryLayout()
    let digest = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"
    let top = layout.top([
        ["mediaType": "invalid", "size": 7682, "digest": digest],
        ["mediaType": "", "size": 7682, "digest": digest],
        ["mediaType": "application/customized.manifest+json", "size": 7143, "digest": digest],
    ])
    let result = readLayout(layout)
    #expect(result.images.isEmpty)
    #expect(result.allFindings.map(\.rule) == [.manifestInvalid, .manifestInvalid], "\(result.allFindings)")
    #expect(result.allFindings.allSatisfy { $0.message.contains("which is no media type") })
    let text = String(decoding: top.data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let lines = text.indices.filter { text[$0].contains(digest) }.map { $0 + 1 }
    #expect(lines.count == 3)
    #expect(result.allFindings.map(\.line) == Array(lines.prefix(2)))
}
