import Foundation
import ImageModel
import TestSupport
import Testing

@testable import ImageOutputs

/// A hand-built legacy `docker save` archive: `<id>/layer.tar` members, `<hex>.json` config, `manifest.json`, `repositories`.
private func legacyArchive(tags: [String], layerOverride: Data? = nil, manifestPrefix: Data = Data()) -> (
    data: Data, config: Blob, layers: [Data]
) {
    let layers = [Data("uncompressed layer one".utf8), Data("uncompressed layer two".utf8)]
    let diffIDs = layers.compactMap { ContentDigest.compute($0, algorithm: "sha256")?.string }
    let config = Blob(json: [
        "architecture": "arm64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": diffIDs],
    ])
    let ids = [
        "1111111111111111111111111111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222222222222222222222222222",
    ]
    var members: [TarBuilder.Member] = [.file("\(config.hex).json", config.data)]
    for (index, id) in ids.enumerated() {
        members.append(.directory("\(id)/"))
        members.append(.file("\(id)/VERSION", "1.0"))
        members.append(.file("\(id)/json", #"{"id":"\#(id)"}"#))
        members.append(.file("\(id)/layer.tar", index == 1 ? (layerOverride ?? layers[index]) : layers[index]))
    }
    let manifest: [[String: Any]] = [
        ["Config": "\(config.hex).json", "RepoTags": tags, "Layers": ids.map { "\($0)/layer.tar" }]
    ]
    members.append(
        .file("manifest.json", manifestPrefix + ((try? JSONSerialization.data(withJSONObject: manifest)) ?? Data())))
    members.append(
        .file("repositories", #"{"app":{"v1":"2222222222222222222222222222222222222222222222222222222222222222"}}"#))
    return (TarBuilder(members).build(), config, layers)
}

private func read(_ data: Data, resolver: RepositoryResolver = RepositoryResolver()) -> ScanResult {
    ArchiveReader(source: MemoryFileSource(files: ["saved/app.tar": data]), resolver: resolver).read(
        ImageOutput(kind: .tarArchive, path: "saved/app.tar"))
}

@Test func legacyDockerSaveAsksOnlyAboutTheConfigAndWarnsOncePerImage() throws {
    let archive = legacyArchive(tags: ["public.ecr.aws/demo/app:v1", "public.ecr.aws/demo/app:latest"])
    let result = read(archive.data)
    #expect(result.findings.isEmpty, "\(result.findings)")
    #expect(result.images.map(\.name) == ["public.ecr.aws/demo/app:v1", "public.ecr.aws/demo/app:latest"])
    #expect(result.images.map(\.refName) == ["v1", "latest"])
    for image in result.images {
        #expect(image.layersUncompressed)
        #expect(image.repository == RepositoryRef(registryId: "demo", repositoryName: "app"))
        #expect(image.platform?.description == "linux/arm64")
        #expect(image.blobs.map(\.digest.string) == [archive.config.digest], "only the config blob survives a push")
        #expect(image.blobs.first?.member?.contains("\(archive.config.hex).json") == true)
        #expect(image.findings.map(\.rule) == [.layerUncompressed], "one warning per image, not one per layer")
        #expect(image.findings.allSatisfy { $0.path == "saved/app.tar" })
    }
    #expect(result.candidates.map(\.kind) == ["docker-archive"])
}

@Test func dockerArchiveLayerThatDoesNotMatchItsDiffIDIsADigestMismatch() throws {
    let archive = legacyArchive(tags: ["public.ecr.aws/demo/app:v1"], layerOverride: Data("tampered".utf8))
    let image = try #require(read(archive.data).images.first)
    let mismatch = try #require(image.findings.first { $0.rule == .digestMismatch })
    #expect(mismatch.message.contains("layer 2") && mismatch.message.contains("rootfs.diff_ids[1]"))
    #expect(
        mismatch.message.contains("2222222222222222222222222222222222222222222222222222222222222222/layer.tar"),
        "names the member")
}

@Test func dockerArchiveWithoutRepoTagsIsUnmappedUnlessConfigured() throws {
    let archive = legacyArchive(tags: [])
    let unmapped = try #require(read(archive.data).images.first)
    #expect(unmapped.name == nil && unmapped.findings.contains { $0.rule == .imageUnmapped })
    let mapped = try #require(
        read(
            archive.data,
            resolver: RepositoryResolver(mappings: [
                ImageMapping(path: "saved/*.tar", repository: "app", registry: "demo")
            ])
        ).images.first)
    #expect(mapped.repository?.description == "public.ecr.aws/demo/app")
}

/// `docker save myapp public.ecr.aws/demo/app:v1` writes both names on one entry: the image maps by its ECR Public tag
/// (SPEC §3.1, "a docker archive's RepoTags likewise"), and its local name is not a second, unmapped image (an error under
/// pre-push). A malformed public.ecr.aws name still says what is wrong with it; with no tag that maps, each is unmapped.
@Test func localRepoTagBesideAnECRPublicOneIsNotAnUnmappedImage() throws {
    let archive = legacyArchive(tags: [
        "docker.io/library/myapp:latest", "public.ecr.aws/demo/app:v1", "public.ecr.aws/Demo/App:v1",
    ])
    let result = read(archive.data)
    #expect(result.images.map(\.name) == ["public.ecr.aws/demo/app:v1", "public.ecr.aws/Demo/App:v1"])
    let unmapped = result.images.flatMap(\.findings).filter { $0.rule == .imageUnmapped }
    #expect(unmapped.map(\.image) == ["public.ecr.aws/Demo/App:v1"], "\(unmapped)")

    let local = read(legacyArchive(tags: ["myapp:latest", "myapp:v1"]).data)
    #expect(local.images.map(\.name) == ["myapp:latest", "myapp:v1"])
    #expect(local.images.allSatisfy { $0.findings.contains { $0.rule == .imageUnmapped } })
}

@Test func dockerArchiveManifestProblemsAreFindingsNamingTheMember() throws {
    for (manifest, expected) in [
        (#"{"not":"an array"}"#, "expected an array"), (#"[{"RepoTags":[]}]"#, "Config"),
        (#"[{"Config":"../../etc/passwd","Layers":[]}]"#, "climbs out"),
        (#"[{"Config":"missing.json","Layers":[]}]"#, "not in the archive"),
    ] {
        let result = read(TarBuilder([.file("manifest.json", manifest)]).build())
        #expect(result.images.isEmpty)
        #expect(
            result.findings.contains {
                $0.rule == .manifestInvalid && $0.message.contains(expected) && $0.message.contains("manifest.json")
            },
            "\(manifest): \(result.findings)")
    }
}

/// What Docker 25+ `docker save` writes: the OCI layout of `layout` (under `img/`, as a tar's root) and the classic
/// `manifest.json` beside it, naming `config` and `layers` under the tag `public.ecr.aws/demo/app:v25`.
private func docker25Archive(_ layout: MemoryLayout, config: Blob, layers: [Blob]) throws -> Data {
    var members = layout.files.sorted { $0.key < $1.key }.map {
        TarBuilder.Member.file(String($0.key.dropFirst(4)), $0.value)
    }
    let oldStyle: [[String: Any]] = [
        [
            "Config": "blobs/sha256/\(config.hex)", "RepoTags": ["public.ecr.aws/demo/app:v25"],
            "Layers": layers.map { "blobs/sha256/\($0.hex)" },
        ]
    ]
    members.append(.file("manifest.json", try JSONSerialization.data(withJSONObject: oldStyle)))
    return TarBuilder(members).build()
}

@Test func docker25SaveIsReadAsOCIAndAsksOnlyItsConfig() throws {
    let layout = MemoryLayout("img")
    let uncompressed = layout.layer("plain tar layer")
    let compressed = layout.layer("gzip layer")
    let config = layout.config(diffIDs: [uncompressed.digest, "sha256:" + String(repeating: "e", count: 64)])
    let manifest = layout.manifest(config: config, layers: [uncompressed, compressed])
    layout.top([
        manifest.descriptor(
            MediaType.ociManifest, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:v25"]])
    ])
    let result = read(try docker25Archive(layout, config: config, layers: [uncompressed, compressed]))
    let image = try #require(result.images.first)
    #expect(result.images.count == 1, "read once, as OCI, not again as a docker archive")
    #expect(result.candidates.first?.reason.contains("Docker 25+") == true)
    #expect(image.layersUncompressed)
    #expect(
        image.blobs.map(\.digest.string) == [config.digest, compressed.digest],
        "the uncompressed layer is not asked about")
    #expect(image.findings.filter { $0.rule == .layerUncompressed }.count == 1)
    #expect(image.findings.first { $0.rule == .layerUncompressed }?.message.contains("only its config blob") == true)
}

/// `docker save` from the containerd image store keeps buildkit's attestation manifest: its in-toto blob is its own
/// diff_id, but it is pushed as it is, so it is asked about (only the image's uncompressed tar layers are not), and the
/// attestation is not marked as holding uncompressed layers.
@Test func docker25SaveWithAnAttestationAsksAboutItsInTotoBlob() throws {
    let layout = MemoryLayout("img")
    let uncompressed = layout.layer("plain tar layer", mediaType: "application/vnd.oci.image.layer.v1.tar")
    let config = layout.config(diffIDs: [uncompressed.digest])
    let manifest = layout.manifest(
        config: config, layers: [uncompressed], layerType: "application/vnd.oci.image.layer.v1.tar")
    let (attestation, statement) = layout.attestationEntry(for: manifest)
    let list = layout.index([
        manifest.descriptor(MediaType.ociManifest, ["platform": ["os": "linux", "architecture": "amd64"]]), attestation,
    ])
    layout.top([
        list.descriptor(
            MediaType.ociIndex, ["annotations": ["io.containerd.image.name": "public.ecr.aws/demo/app:v25"]])
    ])
    let result = read(try docker25Archive(layout, config: config, layers: [uncompressed]))
    #expect(result.images.map { $0.platform?.description ?? "" } == ["linux/amd64", "unknown/unknown"])
    #expect(result.images.map(\.layersUncompressed) == [true, false])
    #expect(result.images.last?.blobs.map(\.digest.string).contains(statement.digest) == true)
    #expect(result.images.first?.blobs.map(\.digest.string) == [config.digest])
}

/// `manifest.json` listing no image (`[]`) is an archive with nothing in it: a notice says so instead of a silent pass.
@Test func dockerArchiveListingNoImageIsANotice() throws {
    let result = read(TarBuilder([.file("manifest.json", "[]")]).build())
    #expect(result.images.isEmpty)
    #expect(result.allFindings.map(\.rule) == [.outputSkipped])
    #expect(result.allFindings.first?.message.contains("saved/app.tar holds no images") == true)
    #expect(result.allFindings.first?.severity == .notice)
}

/// A `manifest.json` written with a UTF-8 byte order mark is read, as OCI documents with one are.
@Test func dockerManifestWithAByteOrderMarkIsRead() throws {
    let plain = legacyArchive(tags: ["public.ecr.aws/demo/app:v1"], manifestPrefix: Data([0xEF, 0xBB, 0xBF]))
    let result = read(plain.data)
    #expect(!result.allFindings.contains { $0.rule == .manifestInvalid }, "\(result.allFindings)")
    #expect(result.images.map { $0.blobs.map(\.digest.string) } == [[plain.config.digest]])
}
