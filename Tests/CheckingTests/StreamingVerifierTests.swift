import Foundation
import ImageModel
import Testing

@testable import Checking

/// A registry that takes batches as they arrive and notes how many images had been read by then.
final class StreamingRegistry: LayerRegistry, @unchecked Sendable {
    let lock = NSLock()
    var imagesReadSoFar = 0
    var readWhenFirstBatchArrived: Int?
    var answerNothing = false

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] { check(stream: BatchStream(finished: batches)) }

    func check(stream: BatchStream) -> [BatchAnswer] {
        var answers: [BatchAnswer] = []
        while true {
            let (batches, done) = stream.take(waitingUpTo: 0.05)
            if !batches.isEmpty && readWhenFirstBatchArrived == nil {
                lock.lock()
                readWhenFirstBatchArrived = imagesReadSoFar
                lock.unlock()
            }
            if !answerNothing { answers += batches.map(BatchAnswer.allAvailable) }
            if done { return answers }
        }
    }
}

extension BatchAnswer {
    /// The service's answer when every digest of `batch` is there.
    static func allAvailable(_ batch: LayerBatch) -> BatchAnswer {
        BatchAnswer(
            batch: batch,
            answers: Dictionary(uniqueKeysWithValues: batch.digests.map { ($0, .available(size: nil, mediaType: nil)) })
        )
    }
}

@Suite struct StreamingVerifierTests {
    @Test func fullBatchesLeaveWhileReadingGoesOn() throws {
        let registry = StreamingRegistry()
        let images = (0..<6).map { n in image("app", layers: Array((n * 50 + 1)...(n * 50 + 50)), config: 1000 + n) }
        let report = try Verifier(registry: registry).verify(reading: { emit in
            for image in images {
                registry.lock.lock()
                registry.imagesReadSoFar += 1
                registry.lock.unlock()
                emit(image)
                Thread.sleep(forTimeInterval: 0.02)
            }
            return ScanResult(images: images)
        })
        #expect(report.summary.exitCode == 0)
        #expect(report.summary.available == 306)
        #expect(report.summary.requests == 4, "ceil(306 / 100) calls, as without streaming")
        #expect(
            (registry.readWhenFirstBatchArrived ?? 99) < images.count, "the first call went out before reading ended")
    }

    @Test func aReadingErrorStopsTheRegistryAndIsRethrown() {
        struct Boom: Error {}
        let registry = StreamingRegistry()
        #expect(throws: Boom.self) {
            _ = try Verifier(registry: registry).verify(reading: { emit in
                emit(image("app", layers: Array(1...150)))
                throw Boom()
            })
        }
    }

    @Test func batchesTheRegistryNeverAnsweredAreVerificationErrors() throws {
        let registry = StreamingRegistry()
        registry.answerNothing = true
        let report = try Verifier(registry: registry).verify(reading: { emit in
            let one = image("app", layers: [1, 2])
            emit(one)
            return ScanResult(images: [one])
        })
        #expect(report.summary.exitCode == 69)
        #expect(report.summary.available == 0)
        #expect(report.findings.contains { $0.rule == .verificationError })
    }
}

/// A registry that hands each answer over as soon as it has one, as the ECR Public client does: some layers missing,
/// one a different size than its descriptor says, and the batches of repository `silent` never answered.
final class DeliveringRegistry: LayerRegistry, @unchecked Sendable {
    let firstDelivered = DispatchSemaphore(value: 0)
    var missing: Set<Digest> = []
    var resized: [Digest: Int64] = [:]

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] { [] }

    func check(stream: BatchStream, delivering deliver: @escaping (BatchAnswer) -> Void) {
        var signalled = false
        while true {
            let (batches, done) = stream.take(waitingUpTo: 0.05)
            for batch in batches where batch.repository.repositoryName != "silent" {
                var answers: [Digest: LayerAnswer] = [:]
                for layer in batch.digests {
                    answers[layer] =
                        missing.contains(layer)
                        ? .unavailable(reason: "")
                        : .available(size: resized[layer] ?? (layer == digest(0) ? 10 : 100), mediaType: nil)
                }
                deliver(BatchAnswer(batch: batch, answers: answers))
                if !signalled {
                    signalled = true
                    firstDelivered.signal()
                }
            }
            if done { return }
        }
    }
}

extension StreamingVerifierTests {
    /// Answers folded while reading goes on judge every image exactly as answers taken at the end would: a missing
    /// layer is an error, a size mismatch a finding, what nobody answered a verification error, and only what the
    /// service confirmed, at the descriptor's size, reaches the positive cache.
    @Test func answersFoldedAsTheyComeJudgeEveryLayer() throws {
        let registry = DeliveringRegistry()
        registry.missing = [digest(7)]
        registry.resized = [digest(150): 99]
        let cache = MemoryCache()
        let first = image("app", layers: Array(1...120))
        let second = image("app", layers: Array(100...160))
        let silent = image("silent", layers: [500, 501])
        let report = try Verifier(registry: registry, cache: cache).verify(reading: { emit in
            emit(first)
            // The first full batch is answered before the next image is read, so its answer is folded mid-read.
            _ = registry.firstDelivered.wait(timeout: .now() + 10)
            emit(second)
            emit(silent)
            return ScanResult(images: [first, second, silent])
        })
        #expect(report.summary.layers == 161 + 3)
        #expect(report.summary.unavailable == 1)
        #expect(report.summary.unverified == 3)
        #expect(report.summary.available == 160)
        #expect(report.summary.exitCode == 1)
        #expect(report.findings.filter { $0.rule == .layerUnavailable }.map(\.digest) == [digest(7).string])
        #expect(report.findings.contains { $0.rule == .sizeMismatch && $0.digest == digest(150).string })
        #expect(
            report.findings.contains {
                $0.rule == .verificationError && $0.repository == "public.ecr.aws/demo/silent"
                    && $0.message.contains("never asked")
            })
        #expect(cache.known.count == 159)
        #expect(
            !cache.known.contains {
                $0.contains(digest(7).string) || $0.contains(digest(150).string) || $0.contains("silent")
            })
        #expect(report.images.map { $0.blobs.count } == [121, 62, 3])
    }
}
