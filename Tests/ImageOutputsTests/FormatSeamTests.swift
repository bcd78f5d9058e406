import Checking
import Foundation
import GitAccess
import ImageModel
import ImageOutputs
import TestSupport
import Testing

/// The files of a `TestOnlyFormat` output at `dir`: `images.txt` naming each image's manifest, and every blob.
private func imagesTxtFiles(at dir: String, images: [FixtureImage]) -> [String: Data] {
    var files: [String: Data] = [:]
    for image in images {
        for blob in [image.config, image.manifest] + image.layers {
            files["\(dir)/blobs/sha256/\(blob.hex)"] = blob.data
        }
    }
    files["\(dir)/images.txt"] = Data(images.map { $0.manifest.digest + "\n" }.joined().utf8)
    return files
}

/// A format added by one file in this target is found, read and checked like the built-in ones once it is in the list.
@Suite struct FormatSeamTests {
    let fixture: GitFixture
    let image = FixtureImage(layers: [FixtureBlob.layer("seam-one"), FixtureBlob.layer("seam-two")])
    let resolver = RepositoryResolver(mappings: [ImageMapping(path: "out/custom", repository: "app", registry: "demo")])

    init() throws {
        fixture = try GitFixture()
        var files = imagesTxtFiles(at: "out/custom", images: [image])
        files.merge(
            LayoutBuilder.files(
                at: "out/layout", images: [FixtureImage(layers: [.layer("seam-oci")])],
                name: "public.ecr.aws/demo/oci:v1")
        ) { $1 }
        try fixture.write(files)
        try fixture.commitAll()
    }

    private func scan(_ formats: OutputFormats) throws -> ScanResult {
        let repository = try GitRepository(discovering: fixture.path)
        let scanner = ImageScanner(repository: repository, resolver: resolver, formats: formats)
        return try scanner.scan(commit: try repository.resolveCommit("HEAD"))
    }

    /// A source looks a blob up by its hex in the format's blob directory: that must be exactly where `blobPath` puts it,
    /// for every format, built in or added, sha256 and sha512.
    @Test func eachFormatsBlobDirectoryAgreesWithItsBlobPaths() throws {
        let digests = [
            try #require(Digest("sha256:" + String(repeating: "a1", count: 32))),
            try #require(Digest("sha512:" + String(repeating: "b2", count: 64))),
        ]
        for format in (OutputFormats.builtIn + [TestOnlyFormat()]).all {
            for root in ["out/app", ""] {
                for digest in digests {
                    let path = format.blobPath(of: digest, root: root)
                    if let directory = format.blobDirectory(of: digest, root: root) {
                        #expect(directory + "/" + digest.encoded == path, "\(format.kind) \(root)")
                    } else {
                        #expect(!path.hasSuffix("/" + digest.encoded), "\(format.kind) \(root): \(path)")
                    }
                }
            }
        }
        #expect(OCILayoutFormat().blobDirectory(of: digests[0], root: "out/app") == "out/app/blobs/sha256")
    }

    @Test func builtInFormatsDoNotSeeTheNewOutput() throws {
        let result = try scan(.builtIn)
        #expect(result.images.map(\.outputPath) == ["out/layout"])
        #expect(!result.candidates.contains { $0.path == "out/custom" })
    }

    @Test func addedFormatYieldsItsImagesWithTheirLayers() throws {
        let result = try scan(OutputFormats.builtIn + [TestOnlyFormat()])
        let custom = try #require(result.images.first { $0.outputPath == "out/custom" })
        #expect(custom.outputKind == "images-txt")
        #expect(custom.repository?.description == RepositoryRef(registryId: "demo", repositoryName: "app").description)
        #expect(custom.blobs.filter { $0.role == .layer }.map(\.digest.string) == image.layers.map(\.digest))
        #expect(custom.blobs.first { $0.role == .config }?.digest.string == image.config.digest)
        #expect(result.images.contains { $0.outputPath == "out/layout" }, "the built-in formats still read theirs")
        let candidate = try #require(result.candidates.first { $0.path == "out/custom" })
        #expect(candidate.kind == "images-txt" && candidate.read)
        #expect(result.findings.isEmpty && custom.findings.isEmpty)
    }

    @Test func addedFormatsLayerMissingFromTheRegistryIsAFinding() throws {
        let result = try scan(OutputFormats.builtIn + [TestOnlyFormat()])
        let missing = try #require(Digest(image.layers[1].digest))
        let report = Verifier(registry: AllButOne(missing: missing)).verify(result)
        let failures = report.findings.filter { $0.rule == .layerUnavailable }
        #expect(failures.map(\.digest) == [missing.string])
        #expect(failures.first?.path.hasPrefix("out/custom/") == true)
    }
}

/// A registry that has every blob except one.
private struct AllButOne: LayerRegistry {
    let missing: Digest

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        batches.map { batch in
            var answers: [Digest: LayerAnswer] = [:]
            for digest in batch.digests {
                answers[digest] =
                    digest == missing
                    ? .unavailable(reason: "MissingLayerDigest") : .available(size: nil, mediaType: nil)
            }
            return BatchAnswer(batch: batch, answers: answers)
        }
    }
}
