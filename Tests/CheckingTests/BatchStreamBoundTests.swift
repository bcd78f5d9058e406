import Foundation
import ImageModel
import Synchronization
import Testing

@testable import Checking

/// A registry that takes one batch at a time, slowly (a rate-limited service), answers each at once with every layer
/// available but `missing`, and notes how far reading had run ahead of it at each take.
final class SlowDeliveringRegistry: LayerRegistry, Sendable {
    /// Images handed to the sink so far (counted by the reading side before each emit).
    let emitted = Atomic<Int>(0)
    let mostAhead = Atomic<Int>(0)
    let missing: Set<Digest>

    init(missing: Set<Digest>) {
        self.missing = missing
    }

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] { [] }

    func check(stream: BatchStream, delivering deliver: @escaping (BatchAnswer) -> Void) {
        var taken = 0
        while true {
            let (batches, done) = stream.take(waitingUpTo: 0.05, atMost: 1)
            let ahead = emitted.load(ordering: .sequentiallyConsistent) - taken
            mostAhead.store(max(mostAhead.load(ordering: .relaxed), ahead), ordering: .relaxed)
            for batch in batches {
                taken += 1
                var answers: [Digest: LayerAnswer] = [:]
                for layer in batch.digests {
                    answers[layer] =
                        missing.contains(layer) ? .unavailable(reason: "") : .available(size: 100, mediaType: nil)
                }
                deliver(BatchAnswer(batch: batch, answers: answers))
                Thread.sleep(forTimeInterval: 0.001)
            }
            if done { return }
        }
    }
}

/// Reading waits when it runs too far ahead of the registry taking its batches (issue #16: a 200,000-layer scan
/// outruns the 200 calls/s quota and used to queue every batch of the run).
@Suite struct BatchStreamBoundTests {
    static func batch(_ n: Int) -> LayerBatch {
        LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest(n)])
    }

    @Test func aProducerNeverQueuesMoreThanTheBoundAndEveryBatchArrivesInOrder() {
        let stream = BatchStream(bound: 4)
        let most = Atomic<Int>(0)
        let received = Mutex<[LayerBatch]>([])
        let done = DispatchSemaphore(value: 0)
        Thread {
            while true {
                most.store(max(most.load(ordering: .relaxed), stream.queuedCount), ordering: .relaxed)
                let (batches, finished) = stream.take(waitingUpTo: 0.05, atMost: 1)
                received.withLock { $0 += batches }
                Thread.sleep(forTimeInterval: 0.001)
                if finished { break }
            }
            done.signal()
        }.start()
        for n in 0..<60 { stream.push([Self.batch(n)]) }
        stream.finish()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(most.load(ordering: .relaxed) <= 5, "the bound, and the one batch whose push is waiting")
        #expect(received.withLock { $0 } == (0..<60).map(Self.batch))
    }

    @Test func finishingTheStreamReleasesAWaitingProducer() {
        let stream = BatchStream(bound: 1)
        let returned = DispatchSemaphore(value: 0)
        Thread {
            stream.push([Self.batch(1), Self.batch(2), Self.batch(3)])
            returned.signal()
        }.start()
        #expect(returned.wait(timeout: .now() + 0.2) == .timedOut, "nobody takes: the producer waits")
        stream.finish()
        #expect(returned.wait(timeout: .now() + 10) == .success)
        #expect(stream.take(waitingUpTo: 0).batches.count == 3)
    }

    @Test func anUnboundedStreamNeverWaits() {
        let stream = BatchStream()
        stream.push((0..<500).map(Self.batch))
        #expect(stream.queuedCount == 500)
        let (batches, finished) = stream.take(waitingUpTo: 0, atMost: 200)
        #expect(batches.count == 200 && !finished && stream.queuedCount == 300)
        stream.finish()
        #expect(stream.take(waitingUpTo: 0).finished)
    }

    /// A scan of 300 full batches against a registry far slower than reading: reading stays within the read-ahead of
    /// what the registry took, and every verdict is still right.
    @Test func readingWaitsForASlowRegistryAndEveryVerdictIsRight() throws {
        let registry = SlowDeliveringRegistry(missing: [digest(4321), digest(29_999)])
        let images = (0..<300).map { n in image("app", layers: Array((n * 100 + 1)...(n * 100 + 100))) }
        let report = try Verifier(registry: registry).verify(reading: { emit in
            for image in images {
                registry.emitted.add(1, ordering: .sequentiallyConsistent)
                emit(image)
            }
            return ScanResult(images: images)
        })
        #expect(registry.mostAhead.load(ordering: .relaxed) <= Verifier.readAhead + 2)
        #expect(report.summary.requests == 301)
        #expect(report.summary.available == 30_001 - 2)
        #expect(report.summary.unavailable == 2)
        #expect(report.summary.exitCode == 1)
        #expect(
            Set(report.findings.filter { $0.rule == .layerUnavailable }.compactMap(\.digest))
                == [digest(4321).string, digest(29_999).string])
        #expect(report.images.count == 300 && report.images.allSatisfy { $0.blobs.count == 101 })
    }

    /// When no thread can be started for the registry, reading goes first (never waiting on a bound nobody drains) and
    /// the calls follow on the same thread: the run ends, with every verdict right.
    @Test(.timeLimit(.minutes(1))) func withoutAWorkerThreadReadingGoesFirstAndTheRunEnds() throws {
        let registry = SlowDeliveringRegistry(missing: [digest(7)])
        let images = (0..<(Verifier.readAhead + 20)).map { n in
            image("app", layers: Array((n * 100 + 1)...(n * 100 + 100)))
        }
        var verifier = Verifier(registry: registry)
        verifier.startWorker = { _ in false }
        let report = try verifier.verify(reading: { emit in
            images.forEach { emit($0) }
            return ScanResult(images: images)
        })
        #expect(report.summary.requests == images.count + 1)
        #expect(report.summary.unavailable == 1)
        #expect(report.summary.available == images.count * 100 + 1 - 1)
    }
}
