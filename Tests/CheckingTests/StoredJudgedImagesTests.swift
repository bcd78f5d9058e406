import Foundation
import ImageModel
import Reports
import Testing

@testable import Checking

/// Past `HeldImages.judgedKeptInMemory` judged images, a streaming run keeps the rest in its scratch file until the
/// report (issue #16: memory flat in the image count too). The report must say exactly what one kept in memory says,
/// and an image the file cannot give back must never pass.
@Suite struct StoredJudgedImagesTests {
    static let outputs = HeldImages.judgedKeptInMemory + 40

    /// One output per repository, each image with three layers of its own and one shared by all, named and tagged per
    /// output; some layers missing, one a different size, repository `silent` never answered, a run-wide finding on a
    /// layer of output 300.
    static func run(
        store: MemorySpill?, rowsToo: Bool = false, keepingRows: Bool = false
    ) throws -> RunReport {
        let registry = DeliveringRegistry()
        registry.missing = [digest(10 * 1 + 2), digest(10 * 280 + 1)]
        registry.resized = [digest(10 * 290 + 2): 99]
        let shared = Finding(
            rule: .digestMismatch, message: "layer \(digest(10 * 300 + 1)) does not hash to its name",
            path: "out300/blobs/sha256/x", commit: "c0ffee", digest: digest(10 * 300 + 1).string)
        var options = VerifyOptions(keepsBlobRows: keepingRows)
        options.imageSpill = store
        if rowsToo { options.rowSpill = store }
        let verifier = Verifier(registry: registry, cache: MemoryCache(), options: options)
        var report = try verifier.verify(reading: { emit in
            let repositories = (0..<outputs).map { $0 == 270 ? "silent" : "app\($0)" }
            emit.expect(repositories.map { .repositories([RepositoryRef(registryId: "demo", repositoryName: $0)]) })
            for number in 0..<outputs {
                var one = image(
                    repositories[number], layers: [10 * number + 1, 10 * number + 2, 10 * number + 3, 9],
                    config: 10 * number, name: "public.ecr.aws/demo/\(repositories[number]):v\(number)")
                one.outputPath = "out\(number)"
                one.manifestPath = "out\(number)/blobs/sha256/m"
                one.refName = "v\(number)"
                if number == 300 { emit.note([shared]) }
                emit(one)
                emit.outputRead()
            }
            return ScanResult(images: [], findings: [shared])
        })
        report.summary.durationSeconds = 0
        return report
    }

    @Test func imagesJudgedPastTheLimitWaitInTheScratchFileAndReportTheSame() throws {
        let inMemory = try Self.run(store: nil)
        let store = MemorySpill()
        let stored = try Self.run(store: store)
        #expect(store.stored > 0, "images past the limit went to the scratch file")
        #expect(store.stored <= Self.outputs - HeldImages.judgedKeptInMemory)
        #expect(store.readFailures == 0)
        #expect(stored.summary == inMemory.summary)
        #expect(inMemory.summary.unavailable == 2 && inMemory.summary.unverified > 0 && inMemory.summary.exitCode != 0)
        #expect(stored.images.count == Self.outputs)
        #expect(stored.imageFindings == inMemory.imageFindings, "every finding under the same images")
        #expect(
            stored.images.map { "\($0.label) \($0.path) \($0.refName ?? "-") \($0.tally) \($0.errors) \($0.warnings)" }
                == inMemory.images.map {
                    "\($0.label) \($0.path) \($0.refName ?? "-") \($0.tally) \($0.errors) \($0.warnings)"
                })
        let options = ReportOptions(color: false, quiet: false, toolVersion: "test")
        for reporter in [TextReporter() as any Reporter, JUnitReporter(), SARIFReporter(), GitHubReporter()] {
            #expect(
                reporter.render(stored, options: options) == reporter.render(inMemory, options: options),
                "\(type(of: reporter)) says the same whether judged images waited in the file or in memory")
        }
    }

    /// Rows and images in one scratch file: the JSON report, which shows every row, reads both back.
    @Test func rowsAndImagesShareTheScratchFile() throws {
        let kept = try Self.run(store: nil, keepingRows: true)
        let store = MemorySpill()
        let stored = try Self.run(store: store, rowsToo: true)
        #expect(store.stored > 0 && store.written == Self.outputs)
        let options = ReportOptions(color: false, quiet: false, toolVersion: "test")
        let json = JSONReporter()
        #expect(json.render(stored, options: options) == json.render(kept, options: options))
        #expect(store.readFailures == 0)
    }

    @Test func anImageTheScratchFileCannotGiveBackIsAnErrorNeverAPass() throws {
        let store = MemorySpill()
        store.failsLoads = true
        let report = try Self.run(store: store)
        let lost = store.stored
        #expect(lost > 0)
        #expect(store.readFailures == lost, "each image not read back is counted (the run then exits 69)")
        #expect(report.images.count == Self.outputs)
        let unreadable = report.images.filter { $0.errors > 0 && $0.path.isEmpty }
        #expect(unreadable.count == lost, "each shows as an image with an error")
        #expect(
            report.findings.filter { $0.rule == .verificationError && $0.message.contains("scratch file") }.count
                == lost)
        #expect(report.summary.exitCode != 0)
    }

    /// A judged image's record holds what its result needs: failures per kind, rows written elsewhere in the same file.
    @Test func aStoredRecordGivesBackTheJudgedImage() throws {
        let store = MemorySpill()
        var blobs = BlobResults()
        blobs.append(
            BlobResult(digest: digest(1), size: 5, mediaType: MediaType.ociConfig, role: .config, status: .available))
        let rows = try #require(store.spill(blobs))
        var tally = BlobTally()
        tally.add(.available)
        tally.add(.unverified)
        let blob = image("app", layers: [2]).blobs[1]
        let judged = JudgedImage(
            image: image("app", layers: [2]), blobs: BlobResults(), tally: tally, keepsRows: false, spilled: rows,
            namedDigests: [digest(2).string], blobFindings: [],
            failures: [(.unverifiable, "the service did not answer", 1, blob)], mismatchedKeys: [7])
        let bytes = try #require(StoredJudgedImage.bytes(of: judged, in: store))
        let back = try #require(StoredJudgedImage.judged(from: bytes, spill: store))
        #expect(back.image.name == judged.image.name && back.image.blobs == judged.image.blobs)
        #expect(back.tally == tally && back.namedDigests == judged.namedDigests && back.mismatchedKeys == [7])
        #expect(back.failures.map { $0.kind } == [BatchFailure.Kind.unverifiable] && back.failures.first?.blob == blob)
        #expect(back.spilled.map { $0.spill === store && $0.offset == rows.offset && $0.count == 1 } == true)
        #expect(StoredJudgedImage.bytes(of: judged, in: MemorySpill()) == nil, "rows in another file: kept in memory")
        #expect(StoredJudgedImage.judged(from: Array("{}".utf8), spill: store) == nil)
    }
    /// Every field of every type a record holds, set to something other than its default, comes back. A field added
    /// to one of them and not written by the record fails here: the sample must set it (`unsetFields`), and the round
    /// trip is compared through each type's own `Codable` form, which has every field. A record cut short is refused.
    @Test func everyFieldOfARecordComesBack() throws {
        let store = MemorySpill()
        let finding = Finding(
            rule: .layerUnavailable, severity: .warning, message: "gone", path: "out/m.json", line: 7, commit: "c0ffee",
            image: "public.ecr.aws/demo/app:1", platform: "linux/arm64/v8", digest: digest(3).string,
            repository: "public.ecr.aws/demo/app")
        let blob = BlobRef(
            digest: digest(4), size: 44, mediaType: "application/vnd.oci.image.layer.v1.tar", role: .layer,
            path: "out/m.json", line: 9, member: "blobs/sha256/x")
        var image = Image(
            name: "public.ecr.aws/demo/app:1", outputPath: "out", manifestPath: "out/m.json",
            manifestDigest: digest(5).string, platform: Platform(os: "linux", architecture: "arm64", variant: "v8"),
            repository: RepositoryRef(registryId: "demo", repositoryName: "app"), commit: "c0ffee", blobs: [blob],
            findings: [finding])
        image.refName = "v1"
        image.indexDigests = [digest(6).string]
        image.layersUncompressed = true
        image.outputKind = "oci-layout"
        image.mentions = [
            digest(5).string: DigestMention(path: "out/index.json", line: 3),
            digest(6).string: DigestMention(path: "out/index.json", line: 9),
        ]
        let samples: [Any] = [
            image, finding, blob, image.platform as Any, image.repository as Any, DigestMention(path: "p", line: 2),
        ]
        for sample in samples {
            #expect(
                Self.unsetFields(sample).isEmpty, "\(type(of: sample)) left at a default: \(Self.unsetFields(sample))")
        }
        var tally = BlobTally()
        (tally.available, tally.cached, tally.unavailable) = (5, 2, 1)
        (tally.invalid, tally.unverified, tally.skipped) = (3, 4, 6)
        var rows = BlobResults()
        rows.append(BlobResult(digest: digest(4), size: 44, mediaType: "t", role: .layer, status: .unavailable))
        let spilled = try #require(store.spill(rows))
        let judged = JudgedImage(
            image: image, blobs: BlobResults(), tally: tally, keepsRows: false, spilled: spilled,
            namedDigests: [digest(4).string, digest(3).string], blobFindings: [finding, finding],
            failures: [(.credentials, "access denied", 2, blob), (.repositoryNotFound, "no such repository", 1, blob)],
            mismatchedKeys: [3, 9])
        let bytes = try #require(StoredJudgedImage.bytes(of: judged, in: store))
        let back = try #require(StoredJudgedImage.judged(from: bytes, spill: store))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(back.image) == encoder.encode(image))
        #expect(try encoder.encode(back.blobFindings) == encoder.encode([finding, finding] as [Finding]))
        #expect(back.tally == tally && back.namedDigests == judged.namedDigests && back.mismatchedKeys == [3, 9])
        #expect(back.failures.map { $0.kind } == [BatchFailure.Kind.credentials, .repositoryNotFound])
        #expect(back.failures.map { $0.message } == ["access denied", "no such repository"])
        #expect(back.failures.map { $0.count } == [2, 1] && back.failures.allSatisfy { $0.blob == blob })
        #expect(back.spilled.map { $0.spill === store && $0.offset == spilled.offset && $0.count == 1 } == true)
        #expect(store.readBack(try #require(back.spilled)).map(Array.init) == Array(rows))
        for cut in 0..<bytes.count {
            #expect(StoredJudgedImage.judged(from: Array(bytes[..<cut]), spill: store) == nil, "cut at \(cut)")
        }
        #expect(StoredJudgedImage.judged(from: bytes + [0], spill: store) == nil, "a byte too many")
    }

    /// The stored fields of `value` left at a default: nil, empty, false.
    static func unsetFields(_ value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap { child in
            let inner = Mirror(reflecting: child.value)
            let unset: Bool
            if inner.displayStyle == .optional {
                unset = inner.children.isEmpty
            } else if let flag = child.value as? Bool {
                unset = !flag
            } else if let collection = child.value as? any Collection {
                unset = collection.isEmpty
            } else {
                unset = false
            }
            return unset ? (child.label ?? "?") : nil
        }
    }
}
