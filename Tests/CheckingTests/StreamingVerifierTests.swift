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
            if !answerNothing {
                answers += batches.map { batch in
                    BatchAnswer(
                        batch: batch,
                        answers: Dictionary(
                            uniqueKeysWithValues: batch.digests.map { ($0, .available(size: nil, mediaType: nil)) }))
                }
            }
            if done { return answers }
        }
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
