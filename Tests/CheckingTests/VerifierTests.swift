import Foundation
import ImageModel
import Testing

@testable import Checking

/// A registry that answers from a table and records every batch it was asked.
final class FakeRegistry: LayerRegistry {
    var available: [Digest: Int64] = [:]
    var invalid: Set<Digest> = []
    var dropped: Set<Digest> = []
    var failure: BatchFailure?
    private(set) var batches: [LayerBatch] = []

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        self.batches += batches
        return batches.map { batch in
            if let failure { return BatchAnswer(batch: batch, failure: failure) }
            var answers: [Digest: LayerAnswer] = [:]
            for digest in batch.digests where !dropped.contains(digest) {
                if invalid.contains(digest) {
                    answers[digest] = .invalid(reason: "InvalidLayerDigest")
                } else if let size = available[digest] {
                    answers[digest] = .available(size: size, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip")
                } else {
                    answers[digest] = .unavailable(reason: "MissingLayerDigest")
                }
            }
            return BatchAnswer(batch: batch, answers: answers)
        }
    }
}

final class MemoryCache: PositiveCache {
    var known: Set<String> = []
    func isKnownAvailable(_ digest: Digest, in repository: RepositoryRef) -> Bool {
        known.contains("\(repository)|\(digest)")
    }
    func recordAvailable(_ entries: [(RepositoryRef, Digest)]) {
        for (repository, digest) in entries { known.insert("\(repository)|\(digest)") }
    }
}

func digest(_ n: Int) -> Digest {
    let hex = String(format: "%064x", n)
    guard let value = Digest("sha256:" + hex) else { fatalError("bad test digest") }
    return value
}

func image(_ repository: String?, layers: [Int], config: Int = 0, name: String = "public.ecr.aws/demo/app:1") -> Image {
    var blobs = [
        BlobRef(
            digest: digest(config), size: 10, mediaType: MediaType.ociConfig, role: .config, path: "m.json", line: 3)
    ]
    blobs += layers.map {
        BlobRef(
            digest: digest($0), size: 100, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", role: .layer,
            path: "m.json", line: 5 + $0)
    }
    return Image(
        name: name, outputPath: "out", manifestPath: "m.json", manifestDigest: nil,
        platform: Platform(os: "linux", architecture: "amd64"),
        repository: repository.map { RepositoryRef(registryId: "demo", repositoryName: $0) }, commit: "c0ffee",
        blobs: blobs)
}

@Suite struct VerifierTests {
    @Test func everythingAvailableIsExitZero() {
        let registry = FakeRegistry()
        for n in 0...3 { registry.available[digest(n)] = n == 0 ? 10 : 100 }
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1, 2, 3])]))
        #expect(report.summary.exitCode == 0)
        #expect(report.summary.available == 4)
        #expect(report.summary.layers == 4)
        #expect(report.findings.isEmpty)
    }

    @Test func dedupesAcrossImagesAndBatchesBy100PerRepository() {
        let registry = FakeRegistry()
        let a = image("app", layers: Array(1...150))
        let b = image("app", layers: Array(100...250))
        let c = image("other", layers: Array(1...5))
        _ = Verifier(registry: registry).verify(ScanResult(images: [a, b, c]))
        let appDigests = registry.batches.filter { $0.repository.repositoryName == "app" }.flatMap(\.digests)
        #expect(appDigests.count == 251)
        #expect(Set(appDigests).count == 251)
        #expect(registry.batches.allSatisfy { $0.digests.count <= 100 && !$0.digests.isEmpty })
        #expect(registry.batches.filter { $0.repository.repositoryName == "app" }.count == 3)
        #expect(registry.batches.filter { $0.repository.repositoryName == "other" }.count == 1)
    }

    @Test func unavailableLayerIsAnErrorAtItsLine() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10, digest(1): 100]
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1, 2])]))
        #expect(report.summary.exitCode == 1)
        let finding = report.findings.first { $0.rule == .layerUnavailable }
        #expect(finding?.digest == digest(2).string)
        #expect(finding?.line == 7)
        #expect(finding?.platform == "linux/amd64")
        #expect(finding?.repository == "public.ecr.aws/demo/app")
    }

    @Test func aDigestTheServiceDidNotMentionIsNeverAvailable() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10, digest(1): 100, digest(2): 100]
        registry.dropped = [digest(2)]
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1, 2])]))
        #expect(report.summary.exitCode == 69)
        #expect(report.summary.unverified == 1)
        #expect(report.summary.available == 2)
        #expect(report.findings.contains { $0.rule == .verificationError })
    }

    @Test(arguments: [(BatchFailure.Kind.credentials, Int32(77)), (.unverifiable, 69), (.repositoryNotFound, 1)])
    func batchFailuresMapToExitCodes(kind: BatchFailure.Kind, code: Int32) {
        let registry = FakeRegistry()
        registry.failure = BatchFailure(kind, "boom")
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1])]))
        #expect(report.summary.exitCode == code)
        #expect(report.summary.available == 0)
        let rule: Rule = kind == .repositoryNotFound ? .repositoryNotFound : .verificationError
        #expect(report.findings.contains { $0.rule == rule })
    }

    @Test func onErrorWarnDemotesOnlyVerificationErrors() {
        let registry = FakeRegistry()
        registry.failure = BatchFailure(.unverifiable, "down")
        let warn = VerifyOptions(onError: .warn)
        let report = Verifier(registry: registry, options: warn).verify(ScanResult(images: [image("app", layers: [1])]))
        #expect(report.summary.exitCode == 0)
        #expect(report.findings.allSatisfy { $0.severity == .warning })
        registry.failure = BatchFailure(.repositoryNotFound, "no repo")
        #expect(
            Verifier(registry: registry, options: warn).verify(ScanResult(images: [image("app", layers: [1])])).summary
                .exitCode == 1)
    }

    @Test func aDefiniteErrorOutranksAnUnverifiableBatch() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10]
        registry.dropped = [digest(1)]
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1, 2])]))
        #expect(report.summary.exitCode == 1)
    }

    @Test func strictFailsOnWarnings() {
        let registry = FakeRegistry()
        let unmapped = image(nil, layers: [1])
        var withWarning = ScanResult(images: [unmapped])
        withWarning.findings.append(Finding(rule: .imageUnmapped, message: "no repo", path: "out", commit: "c0ffee"))
        #expect(Verifier(registry: registry).verify(withWarning).summary.exitCode == 0)
        #expect(
            Verifier(registry: registry, options: VerifyOptions(strict: true)).verify(withWarning).summary.exitCode == 1
        )
        #expect(registry.batches.isEmpty)
    }

    @Test func sizeReportedByTheServiceMustMatchTheDescriptor() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10, digest(1): 999]
        let report = Verifier(registry: registry).verify(ScanResult(images: [image("app", layers: [1])]))
        #expect(report.summary.exitCode == 1)
        #expect(report.findings.contains { $0.rule == .sizeMismatch && $0.digest == digest(1).string })
    }

    @Test func configBlobCanBeLeftOut() {
        let registry = FakeRegistry()
        registry.available = [digest(1): 100]
        let report = Verifier(registry: registry, options: VerifyOptions(checkConfigBlob: false)).verify(
            ScanResult(images: [image("app", layers: [1])]))
        #expect(report.summary.exitCode == 0)
        #expect(!registry.batches.flatMap(\.digests).contains(digest(0)))
    }

    @Test func nonDistributableLayersAreNeverSent() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10]
        var foreign = image("app", layers: [])
        foreign.blobs.append(
            BlobRef(
                digest: digest(9), size: 5, mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                role: .layer, path: "m.json", line: 1))
        let report = Verifier(registry: registry).verify(ScanResult(images: [foreign]))
        #expect(!registry.batches.flatMap(\.digests).contains(digest(9)))
        #expect(report.summary.skipped == 1)
        #expect(report.summary.exitCode == 0)
    }

    /// The summary's total is what its parts add up to (`11 blobs (9 available, 1 invalid, 2 unverified, 1 skipped)`
    /// said 11 of 13): a skipped blob and one invalid before any call are blobs of the run too.
    @Test func summaryTotalIsTheSumOfItsParts() {
        let registry = FakeRegistry()
        registry.available = [digest(0): 10, digest(1): 100]
        var mixed = image("app", layers: [1, 2])
        mixed.blobs.append(
            BlobRef(
                digest: digest(9), size: 5, mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                role: .layer, path: "m.json", line: 1))
        mixed.findings.append(
            Finding(
                rule: .layerInvalid, message: "layer digest sha256:xyz is not a valid digest", path: "m.json", line: 9,
                commit: "c0ffee"))
        let summary = Verifier(registry: registry).verify(ScanResult(images: [mixed])).summary
        #expect((summary.available, summary.unavailable, summary.invalid, summary.skipped) == (2, 1, 1, 1))
        #expect(
            summary.layers
                == summary.available + summary.unavailable + summary.invalid + summary.unverified + summary.skipped)
    }

    @Test func cachedPositivesSkipTheCallAndNegativesAreNotCached() {
        let registry = FakeRegistry()
        let cache = MemoryCache()
        registry.available = [digest(0): 10, digest(1): 100]
        let images = ScanResult(images: [image("app", layers: [1, 2])])
        let first = Verifier(registry: registry, cache: cache).verify(images)
        #expect(first.summary.exitCode == 1)
        #expect(cache.known.count == 2)
        let second = Verifier(registry: registry, cache: cache).verify(images)
        #expect(second.summary.exitCode == 1)
        #expect(registry.batches.last?.digests == [digest(2)])
    }

    /// The service has the blob but at another size (or media type) than the descriptor: a finding, so not a positive
    /// to remember; otherwise the next push would pass from the cache without the size-mismatch.
    @Test func aBlobWhoseSizeOrMediaTypeDisagreesIsNotCached() {
        let registry = FakeRegistry()
        let cache = MemoryCache()
        registry.available = [digest(0): 10, digest(1): 999, digest(2): 100]
        var images = [image("app", layers: [1, 2])]
        images[0].blobs[2].mediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
        let first = Verifier(registry: registry, cache: cache).verify(ScanResult(images: images))
        #expect(first.findings.contains { $0.rule == .sizeMismatch && $0.digest == digest(1).string })
        #expect(first.findings.contains { $0.rule == .mediaTypeMismatch && $0.digest == digest(2).string })
        #expect(cache.known == ["public.ecr.aws/demo/app|\(digest(0))"])
        let second = Verifier(registry: registry, cache: cache).verify(ScanResult(images: images))
        #expect(second.summary.exitCode == 1)
        #expect(second.findings.contains { $0.rule == .sizeMismatch && $0.digest == digest(1).string })
        #expect(registry.batches.last?.digests == [digest(1), digest(2)])
    }

    @Test func nothingToCheckMakesNoCall() {
        let registry = FakeRegistry()
        let report = Verifier(registry: registry).verify(ScanResult())
        #expect(registry.batches.isEmpty)
        #expect(report.summary.exitCode == 0)
    }
}
