import Foundation
import ImageModel
import Testing

@testable import Checking

/// Answers manifest lookups from a table and records what it was asked.
final class FakeManifests: ManifestRegistry, @unchecked Sendable {
    var table: [String: ManifestAnswer]
    var asked: [ManifestQuery] = []

    init(_ table: [String: ManifestAnswer]) { self.table = table }

    func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer] {
        asked += queries
        var out: [ManifestQuery: ManifestAnswer] = [:]
        for query in queries { out[query] = table[query.reference] ?? .missing("not in the table") }
        return out
    }
}

/// A registry where every blob is available.
struct AllAvailable: LayerRegistry {
    func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        batches.map { batch in
            BatchAnswer(
                batch: batch,
                answers: Dictionary(
                    uniqueKeysWithValues: batch.digests.map { ($0, .available(size: nil, mediaType: nil)) }))
        }
    }
}

@Suite struct ManifestChecksTests {
    static let manifest = "sha256:" + String(repeating: "a", count: 64)
    static let index = "sha256:" + String(repeating: "b", count: 64)
    static let other = "sha256:" + String(repeating: "c", count: 64)
    static let layer = "sha256:" + String(repeating: "d", count: 64)

    static func image(refName: String? = "v1", name: String? = nil, indexes: [String] = [], path: String = "out/app")
        -> Image
    {
        var image = Image(
            name: name, outputPath: path, manifestPath: "\(path)/blobs/sha256/aaaa", manifestDigest: manifest,
            platform: nil,
            repository: RepositoryRef(registryId: "acme", repositoryName: "app"), commit: "c0ffee",
            blobs: [
                BlobRef(
                    digest: Digest(layer)!, size: 1, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
                    role: .layer, path: "\(path)/blobs/sha256/aaaa", line: 3)
            ])
        image.refName = refName
        image.indexDigests = indexes
        return image
    }

    @Test(arguments: [
        ("v1", "v1"), ("public.ecr.aws/acme/app:1.2-rc_3", "1.2-rc_3"), ("localhost:5000/app", nil),
        ("app@" + manifest, nil),
        ("-bad", nil), ("public.ecr.aws/acme/app", nil),
    ])
    func tagOfAReference(text: String, tag: String?) {
        #expect(ManifestChecks.tag(inReference: text) == tag)
    }

    @Test func queriesAreDedupedAcrossImagesAndOffAsksNothing() {
        let images = [Self.image(indexes: [Self.index]), Self.image(indexes: [Self.index], path: "out/other")]
        let queries = ManifestChecks(level: .error).queries(for: images)
        #expect(queries.map(\.reference) == [Self.index, Self.manifest, "v1"])
        #expect(ManifestChecks(level: .off).queries(for: images).isEmpty)
    }

    @Test func unpublishedManifestIsAnErrorNamingTheDigestAndExits1() {
        let fake = FakeManifests([Self.index: .present(digest: Self.index), "v1": .present(digest: Self.index)])
        let verifier = Verifier(registry: AllAvailable(), manifests: fake, via: "registry")
        let report = verifier.verify(ScanResult(images: [Self.image(indexes: [Self.index])], findings: []))
        let finding = report.findings.first { $0.rule == .manifestUnpublished }
        #expect(finding?.severity == .error)
        #expect(finding?.digest == Self.manifest)
        #expect(finding?.message.contains(Self.manifest) == true)
        #expect(report.summary.exitCode == ExitStatus.findings)
        #expect(report.summary.via == "registry")
        #expect(report.images.first?.errors == 1, "the image shows its manifest error")
    }

    @Test func movedTagIsAWarningWithBothDigests() {
        let fake = FakeManifests([Self.manifest: .present(digest: Self.manifest), "v1": .present(digest: Self.other)])
        let report = Verifier(registry: AllAvailable(), manifests: fake).verify(
            ScanResult(images: [Self.image()], findings: []))
        let finding = report.findings.first { $0.rule == .tagMismatch }
        #expect(finding?.severity == .warning)
        #expect(finding?.message.contains(Self.other) == true && finding?.message.contains(Self.manifest) == true)
        #expect(report.summary.exitCode == 0)
        var strict = VerifyOptions()
        strict.strict = true
        #expect(
            Verifier(registry: AllAvailable(), options: strict, manifests: fake).verify(
                ScanResult(images: [Self.image()], findings: [])
            ).summary.exitCode == 1)
    }

    @Test func warningLevelAndFailuresAreUnverifiedNotPassed() {
        let unreachable = FakeManifests([
            Self.manifest: .failed(BatchFailure(.unverifiable, "HTTP 503")), "v1": .present(digest: Self.manifest),
        ])
        let failed = Verifier(registry: AllAvailable(), manifests: unreachable).verify(
            ScanResult(images: [Self.image()], findings: []))
        #expect(failed.findings.contains { $0.rule == .verificationError })
        #expect(failed.summary.exitCode == ExitStatus.unavailable)
        let missing = FakeManifests(["v1": .present(digest: Self.manifest)])
        let warned = Verifier(
            registry: AllAvailable(), options: VerifyOptions(checkManifests: .warning), manifests: missing
        )
        .verify(ScanResult(images: [Self.image()], findings: []))
        #expect(warned.findings.first { $0.rule == .manifestUnpublished }?.severity == .warning)
        #expect(warned.summary.exitCode == 0)
        let off = FakeManifests([:])
        let skipped = Verifier(registry: AllAvailable(), options: VerifyOptions(checkManifests: .off), manifests: off)
            .verify(ScanResult(images: [Self.image()], findings: []))
        #expect(off.asked.isEmpty)
        #expect(skipped.findings.isEmpty)
    }

    /// DescribeImages answers RepositoryNotFoundException for a repository that does not exist, as the layer batch
    /// does: that is one `repository-not-found` finding for the image (exit 1), not a `verification-error` per lookup.
    @Test func aMissingRepositoryIsOneRepositoryNotFoundFindingNotVerificationErrors() {
        struct NoRepository: LayerRegistry {
            func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
                batches.map { BatchAnswer(batch: $0, failure: BatchFailure(.repositoryNotFound, "no such repository")) }
            }
        }
        let failure = ManifestAnswer.failed(BatchFailure(.repositoryNotFound, "no such repository"))
        for registry in [NoRepository() as LayerRegistry, AllAvailable()] {
            let fake = FakeManifests([Self.manifest: failure, Self.index: failure, "v1": failure])
            let report = Verifier(registry: registry, manifests: fake).verify(
                ScanResult(images: [Self.image(indexes: [Self.index])], findings: []))
            #expect(report.findings.map(\.rule) == [.repositoryNotFound], "\(report.findings)")
            #expect(report.findings.first?.message.contains("app does not exist in ECR Public") == true)
            #expect(report.summary.exitCode == ExitStatus.findings)
        }
    }

    /// When every blob call failed the same way (unreachable, timed out, no credentials), the manifest lookups would
    /// fail alike: they are not made, so the run says it could verify nothing after one wait instead of two (a service
    /// that accepts connections and never answers cost 3 attempts x 30 s for the blobs, then as much again).
    @Test func aRunWideFailureSkipsTheManifestLookups() {
        struct Unreachable: LayerRegistry {
            let failure: BatchFailure
            func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
                batches.map { BatchAnswer(batch: $0, failure: failure) }
            }
        }
        let timedOut = BatchFailure(.unverifiable, "timed out: Operation timed out after 30000 milliseconds")
        var noCredentials = BatchFailure(.credentials, "no AWS credentials found")
        noCredentials.noCredentials = true
        for failure in [timedOut, noCredentials] {
            let fake = FakeManifests([Self.manifest: .present(digest: Self.manifest), "v1": .present(digest: nil)])
            let report = Verifier(registry: Unreachable(failure: failure), manifests: fake).verify(
                ScanResult(images: [Self.image()], findings: []))
            #expect(fake.asked.isEmpty, "\(fake.asked)")
            #expect(report.runWide != nil)
            #expect(
                report.summary.exitCode
                    == (failure.kind == .credentials ? ExitStatus.noPermission : ExitStatus.unavailable))
            #expect(report.images.first?.errors ?? 0 > 0, "the image is never shown as ok")
        }
        // One answered call is enough to make it no run-wide failure: then the manifests are asked about.
        let fake = FakeManifests([Self.manifest: .present(digest: Self.manifest), "v1": .present(digest: nil)])
        _ = Verifier(registry: AllAvailable(), manifests: fake).verify(ScanResult(images: [Self.image()], findings: []))
        #expect(!fake.asked.isEmpty)
    }

    @Test func perDigestFailuresOfABatchAreUnverifiedOnlyForThoseDigests() {
        struct Partial: LayerRegistry {
            func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
                batches.map { batch in
                    BatchAnswer(
                        batch: batch,
                        digestFailures: Dictionary(
                            uniqueKeysWithValues: batch.digests.map {
                                ($0, BatchFailure(.unverifiable, "HTTP 500 from the registry"))
                            }))
                }
            }
        }
        let report = Verifier(registry: Partial(), options: VerifyOptions(checkManifests: .off)).verify(
            ScanResult(images: [Self.image()], findings: []))
        #expect(report.summary.unverified == 1)
        #expect(report.summary.exitCode == ExitStatus.unavailable)
        #expect(
            report.findings.contains {
                $0.rule == .verificationError && $0.message.contains("HTTP 500 from the registry")
            })
    }
}

@Suite struct ArchiveManifestTests {
    static let config = "sha256:" + String(repeating: "f", count: 64)

    static func archive(tag: String? = "v1") -> Image {
        var image = ManifestChecksTests.image(refName: tag)
        image.manifestDigest = nil  // a docker archive has no manifest of its own
        image.layersUncompressed = true
        image.blobs.insert(
            BlobRef(
                digest: Digest(config)!, size: 10, mediaType: MediaType.dockerConfig, role: .config, path: "out/app",
                line: 1), at: 0)
        return image
    }

    @Test func onlyTheTagIsReadForItsConfig() {
        let queries = ManifestChecks(level: .error).queries(for: [Self.archive()])
        #expect(
            queries == [
                ManifestQuery(
                    repository: RepositoryRef(registryId: "acme", repositoryName: "app"), reference: "v1",
                    readsConfig: true)
            ])
        #expect(
            ManifestChecks(level: .error).queries(for: [Self.archive(tag: nil)]).isEmpty, "no tag: nothing to look up")
    }

    @Test func publishedWhenTheTagsManifestNamesTheSameConfig() {
        let same = FakeManifests(["v1": .present(digest: ManifestChecksTests.other, config: Self.config)])
        #expect(
            Verifier(registry: AllAvailable(), manifests: same).verify(
                ScanResult(images: [Self.archive()], findings: [])
            ).findings.isEmpty)
        let other = FakeManifests(["v1": .present(digest: ManifestChecksTests.other, config: ManifestChecksTests.index)]
        )
        let report = Verifier(registry: AllAvailable(), manifests: other).verify(
            ScanResult(images: [Self.archive()], findings: []))
        let finding = report.findings.first { $0.rule == .manifestUnpublished }
        #expect(
            finding?.message.contains(Self.config) == true
                && finding?.message.contains(ManifestChecksTests.index) == true)
        #expect(report.summary.exitCode == ExitStatus.findings)
        let missing = FakeManifests([:])
        #expect(
            Verifier(registry: AllAvailable(), manifests: missing).verify(
                ScanResult(images: [Self.archive()], findings: [])
            )
            .findings.contains { $0.rule == .manifestUnpublished })
    }

    @Test func configReadsGoToTheReaderAndTheRestToThePrimary() {
        let primary = FakeManifests([ManifestChecksTests.manifest: .present(digest: ManifestChecksTests.manifest)])
        let reader = FakeManifests(["v1": .present(digest: nil, config: Self.config)])
        let repository = RepositoryRef(registryId: "acme", repositoryName: "app")
        let byDigest = ManifestQuery(repository: repository, reference: ManifestChecksTests.manifest)
        let byConfig = ManifestQuery(repository: repository, reference: "v1", readsConfig: true)
        let answers = ConfigReadingManifests(primary: primary, reader: reader).checkManifests([byDigest, byConfig])
        #expect(primary.asked == [byDigest])
        #expect(reader.asked == [byConfig])
        #expect(answers[byConfig] == .present(digest: nil, config: Self.config))
    }
}
