import Foundation
import ImageModel
import Reports
import Testing

@testable import Checking

/// A run whose reports show no blob rows judges each repository's images as soon as nothing unread can add to it and
/// every answer on it is in, then lets its keys go (issue #16: memory flat in the layer count). It must say exactly
/// what a run that keeps everything to the end says.
@Suite struct KeyRetirementTests {
    /// Removing keys repository by repository, in an order unrelated to insertion, leaves every other key findable under
    /// its number, lets a chunk go only once all its keys are removed, and numbers a key seen again anew.
    @Test func removedKeysLeaveTheRestFindableAndEmptyChunksGo() {
        var keys = PlanKeys()
        var numbers: [Int32: [Int32]] = [:]
        var digestOf: [Int32: Digest] = [:]
        // Ten repositories interleaved in runs of 700, so each chunk of 4,096 numbers mixes several of them.
        for value in 0..<20_000 {
            let repository = Int32((value / 700) % 10)
            let (number, inserted) = keys.insert(PlanKey(digest: PlanKeysTests.digest(value), repository: repository))
            #expect(inserted)
            numbers[repository, default: []].append(Int32(number))
            digestOf[Int32(number)] = PlanKeysTests.digest(value)
        }
        var removed = Set<Int32>()
        var emptied: [Int] = []
        for repository in [Int32(3), 7, 0, 9, 1, 5, 8, 2, 6] {
            let gone = keys.remove(numbers[repository] ?? [])
            removed.formUnion(numbers[repository] ?? [])
            emptied += gone
            for chunk in gone {
                let inChunk = Int32(chunk * 4_096)..<Int32((chunk + 1) * 4_096)
                #expect(inChunk.allSatisfy(removed.contains), "chunk \(chunk) went with a key still in it")
            }
            #expect(keys.live == 20_000 - removed.count)
            for (kept, list) in numbers where !removed.contains(list[0]) {
                for number in list {
                    let key = PlanKey(digest: digestOf[number]!, repository: kept)
                    #expect(keys.number(of: key) == Int(number))
                }
            }
            for number in (numbers[repository] ?? []).prefix(50) {
                #expect(keys.number(of: PlanKey(digest: digestOf[number]!, repository: repository)) == nil)
            }
        }
        // Only repository 4 is left: every full chunk without one of its keys went.
        let fullChunks = 20_000 / 4_096
        let holding = Set((numbers[4] ?? []).map { Int($0) / 4_096 })
        #expect(Set(emptied) == Set((0..<fullChunks).filter { !holding.contains($0) }))
        let again = keys.insert(PlanKey(digest: PlanKeysTests.digest(0), repository: 0))
        #expect(again.inserted && again.number == 20_000, "a retired key seen again is a new key")
    }

    /// One output per repository, read in order with forecasts, against a registry that answers as it goes: some layers
    /// missing, one of a different size, a run-wide finding about a shared layer, the positive cache vouching for a few,
    /// and the last repository never answered. With and without rows, the reports agree in every format, and without
    /// rows each repository's keys are gone once its answers are in.
    @Test func judgingEarlyTellsWhatJudgingAtTheEndTells() throws {
        let registry = DeliveringRegistry()
        registry.missing = [digest(1_007), digest(5_050)]
        registry.resized = [digest(2_020): 99]
        var outputs: [(repository: String, images: [Image], findings: [Finding])] = []
        for number in 0..<8 {
            let repository = number == 7 ? "silent" : "app\(number)"
            let base = 1_000 * (number + 1)
            var images = [
                image(repository, layers: Array(base + 1...base + 120), config: base),
                image(repository, layers: Array(base + 100...base + 170), config: base),
            ]
            for index in images.indices { images[index].outputPath = "out\(number)" }
            let findings =
                number == 3
                ? [
                    Finding(
                        rule: .digestMismatch, message: "layer \(digest(base + 5)) does not hash to its name",
                        path: "out3/blobs/sha256/x", commit: "c0ffee", digest: digest(base + 5).string)
                ] : []
            outputs.append((repository, images, findings))
        }

        func run(keepingRows: Bool, spill: (any BlobRowSpill)? = nil) throws -> (
            report: RunReport, liveAfterOutputs: [Int]
        ) {
            let cache = MemoryCache()
            cache.known = ["public.ecr.aws/demo/app2|\(digest(3_001))", "public.ecr.aws/demo/app2|\(digest(3_002))"]
            var live: [Int] = []
            var options = VerifyOptions(keepsBlobRows: keepingRows)
            options.rowSpill = spill
            let verifier = Verifier(registry: registry, cache: cache, options: options)
            let report = try verifier.verify(reading: { emit in
                emit.expect(
                    outputs.map {
                        .repositories([RepositoryRef(registryId: "demo", repositoryName: $0.repository)])
                    })
                for output in outputs {
                    emit.note(output.findings)
                    for image in output.images { emit(image) }
                    emit.outputRead()
                    guard output.repository != "silent" else { continue }
                    // Answers come back on the registry's thread; fold them until this output's are all in.
                    let deadline = Date().addingTimeInterval(10)
                    while emit.liveKeyCount > (keepingRows ? Int.max : 0), Date() < deadline {
                        emit.foldAnswers()
                        Thread.sleep(forTimeInterval: 0.002)
                    }
                    live.append(emit.liveKeyCount)
                }
                return ScanResult(images: [], findings: outputs.flatMap(\.findings))
            })
            return (report, live)
        }

        let kept = try run(keepingRows: true)
        let judged = try run(keepingRows: false)
        let spill = MemorySpill()
        let spilled = try run(keepingRows: false, spill: spill)
        let perOutput = 170 + 1
        #expect(kept.liveAfterOutputs == (1...7).map { $0 * perOutput }, "keeping rows keeps every key")
        #expect(judged.liveAfterOutputs == Array(repeating: 0, count: 7), "each repository's keys went once judged")
        #expect(spilled.liveAfterOutputs == judged.liveAfterOutputs, "rows written away keep nothing either")

        var summaries = [kept.report.summary, judged.report.summary]
        for index in summaries.indices { summaries[index].durationSeconds = 0 }
        #expect(summaries[0] == summaries[1])
        #expect(summaries[0].unavailable == 2 && summaries[0].cached == 2 && summaries[0].unverified == perOutput)

        func described(_ findings: [Finding]) -> [String] {
            findings.map {
                "\($0.rule.rawValue) \($0.severity) \($0.path):\($0.line) \($0.digest ?? "-") \($0.message)"
            }
        }
        #expect(described(kept.report.findings) == described(judged.report.findings))
        #expect(kept.report.findings.contains { $0.rule == .sizeMismatch && $0.digest == digest(2_020).string })
        #expect(
            kept.report.findings.contains {
                $0.rule == .verificationError && $0.repository?.hasSuffix("silent") == true
            })
        #expect(kept.report.imageFindings == judged.report.imageFindings, "every finding shown under the same images")
        let shared = try #require(kept.report.findings.firstIndex { $0.rule == .digestMismatch })
        #expect(
            judged.report.imageFindings[6].contains(shared), "the image holding the layer shows it without rows too")
        #expect(!judged.report.imageFindings[7].contains(shared))
        #expect(judged.report.images[6].errors > 0)

        #expect(judged.report.images.allSatisfy { $0.blobs.isEmpty }, "no rows kept")
        #expect(kept.report.images.map(\.tally) == judged.report.images.map(\.tally))
        #expect(kept.report.images.map { BlobTally($0.blobs) } == judged.report.images.map(\.tally))
        #expect(
            kept.report.images.map { "\($0.label) \($0.errors) \($0.warnings) \($0.notices)" }
                == judged.report.images.map { "\($0.label) \($0.errors) \($0.warnings) \($0.notices)" })

        var reports = [kept.report, judged.report, spilled.report]
        for index in reports.indices { reports[index].summary.durationSeconds = 0 }
        var options = ReportOptions(color: false, quiet: false, toolVersion: "test")
        for reporter in [TextReporter() as any Reporter, JUnitReporter(), SARIFReporter(), GitHubReporter()] {
            #expect(
                reporter.render(reports[0], options: options) == reporter.render(reports[1], options: options),
                "\(type(of: reporter)) says the same with and without rows")
        }

        // The rows written away as each repository was judged come back for the reports that show them: the JSON
        // report and the verbose text (cached blobs listed) are those of the run that kept every row, byte for byte.
        #expect(spilled.report.images.allSatisfy { $0.blobs.isEmpty && $0.spilledRows != nil })
        #expect(spill.written == kept.report.images.count && spill.readFailures == 0)
        options.listCached = true
        for reporter in [JSONReporter() as any Reporter, TextReporter()] {
            let keptText = reporter.render(reports[0], options: options)
            #expect(keptText == reporter.render(reports[2], options: options), "\(type(of: reporter)) from the spill")
            #expect(keptText.contains(digest(2_020).string))
        }
        #expect(TextReporter().render(reports[0], options: options).contains("from cache"))
    }

    /// A reader that forecasts nothing gets nothing judged before reading ends: a repository met again later must not
    /// have had its keys let go (which would ask about them twice).
    @Test func withoutForecastsNothingIsJudgedWhileReading() throws {
        let registry = RecordingStreamRegistry()
        let verifier = Verifier(registry: registry, options: VerifyOptions(keepsBlobRows: false))
        var liveWhileReading: [Int] = []
        let report = try verifier.verify(reading: { emit in
            for part in 0..<3 {
                emit(image("app", layers: Array(part * 100 + 1...part * 100 + 100)))
                emit.outputRead()
                Thread.sleep(forTimeInterval: 0.05)
                emit.foldAnswers()
                liveWhileReading.append(emit.liveKeyCount)
            }
            emit(image("app", layers: Array(1...50)))
            return ScanResult()
        })
        #expect(liveWhileReading == [101, 201, 301])
        #expect(report.summary.requests == 4, "ceil(301 / 100): nothing asked twice")
        #expect(report.summary.available == 301 && report.summary.exitCode == 0)
        #expect(report.images.map(\.tally.available) == [101, 101, 101, 51])
    }
}

/// A `BlobRowSpill` in memory: the rows' bytes as the file spill writes them, read back the same way (`readBack` is the
/// protocol's, over `load`).
final class MemorySpill: BlobRowSpill, @unchecked Sendable {
    private var bytes: [UInt8] = []
    private(set) var written = 0
    private(set) var readFailures = 0

    func spill(_ blobs: BlobResults) -> SpilledRows? {
        let encoded = blobs.spilledBytes
        defer {
            bytes += encoded
            written += 1
        }
        return SpilledRows(spill: self, offset: Int64(bytes.count), length: encoded.count, count: blobs.count)
    }

    /// Records stored, and whether `load` refuses to give them back (a scratch file gone bad).
    private(set) var stored = 0
    var failsLoads = false

    func store(_ record: [UInt8]) -> SpilledBytes? {
        defer {
            bytes += record
            stored += 1
        }
        return SpilledBytes(offset: Int64(bytes.count), length: record.count)
    }

    func load<Value>(_ record: SpilledBytes, decoding decode: ([UInt8]) -> Value?) -> Value? {
        let range = Int(record.offset)..<(Int(record.offset) + record.length)
        guard !failsLoads, let value = decode(Array(bytes[range])) else {
            readFailures += 1
            return nil
        }
        return value
    }
}
