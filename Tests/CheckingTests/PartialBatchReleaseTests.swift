import Foundation
import ImageModel
import Synchronization
import Testing

@testable import Checking

/// Answers every digest available and notes each batch it was handed.
final class RecordingStreamRegistry: LayerRegistry, Sendable {
    let asked = Mutex<[LayerBatch]>([])

    func check(_ batches: [LayerBatch]) -> [BatchAnswer] { check(stream: BatchStream(finished: batches)) }

    func check(stream: BatchStream) -> [BatchAnswer] {
        var answers: [BatchAnswer] = []
        while true {
            let (batches, done) = stream.take(waitingUpTo: 0.05)
            asked.withLock { $0 += batches }
            answers += batches.map(BatchAnswer.allAvailable)
            if done { return answers }
        }
    }
}

/// Each repository's last, partial batch leaves as soon as no unread output can add to it (issue #16).
@Suite struct PartialBatchReleaseTests {
    /// A plan and the stream its batches are pushed to, read as the reading thread sees it: what left after each step.
    struct Run {
        let plan = Plan(checkConfigBlob: true, cache: nil)
        let stream = BatchStream()
        let sink: ImageSink

        init() { sink = ImageSink(plan: plan, stream: stream) }

        /// Puts one output's images and says it was read; the batches that left meanwhile, as "repository:count".
        func read(_ images: [Image]) -> [String] {
            for image in images { sink(image) }
            sink.outputRead()
            return left()
        }

        func left() -> [String] {
            stream.take(waitingUpTo: 0).batches.map { "\($0.repository.repositoryName):\($0.digests.count)" }
        }

        func finish() -> [String] {
            stream.push(plan.finish())
            return left()
        }
    }

    static func repository(_ name: String) -> RepositoryRef { RepositoryRef(registryId: "demo", repositoryName: name) }
    static func expecting(_ names: String...) -> RepositoryForecast { .repositories(Set(names.map(repository))) }

    @Test func aPartialBatchLeavesAfterTheLastOutputThatCanAddToIt() {
        let run = Run()
        run.sink.expect([Self.expecting("app"), Self.expecting("web"), Self.expecting("app")])
        #expect(run.read([image("app", layers: Array(1...149))]) == ["app:100"], "only the full batch: app has more")
        #expect(run.read([image("web", layers: Array(1001...1029), config: 1000)]) == ["web:30"])
        #expect(run.read([image("app", layers: Array(150...169))]) == ["app:70"])
        #expect(run.finish() == [], "nothing was left for the end")
        #expect(run.plan.requestCount == 3, "ceil(170 / 100) + ceil(30 / 100): the minimum")
    }

    @Test func anUnknownOutputHoldsBackEveryRemainderUntilItIsRead() {
        let run = Run()
        run.sink.expect([Self.expecting("app"), .unknown, Self.expecting("web")])
        #expect(run.read([image("app", layers: [1, 2])]) == [], "the unknown output may add to app")
        #expect(
            run.read([image("app", layers: [3]), image("api", layers: [2001], config: 2000)]) == ["app:4", "api:2"],
            "once it is read, app and api (which no forecast named) are settled; web is not")
        #expect(run.read([image("web", layers: [1001], config: 1000)]) == ["web:2"])
        #expect(run.finish() == [])
    }

    /// Forecasts that come in runs ahead of reading settle nothing until the last run: an output not yet forecast may
    /// add to any repository. The last run lets go every remainder nothing unread can add to.
    @Test func forecastsInRunsSettleNothingUntilTheLastRun() {
        let run = Run()
        run.sink.expect([Self.expecting("app")], more: true)
        #expect(run.read([image("app", layers: [1, 2])]) == [], "an output not yet forecast may add to app")
        run.sink.expect([Self.expecting("web")], more: true)
        #expect(run.read([image("web", layers: [1001], config: 1000)]) == [])
        run.sink.expect([Self.expecting("web")], more: false)
        #expect(run.left() == ["app:3"], "the last run shows nothing unread can add to app; web has one more output")
        #expect(run.read([image("web", layers: [1002], config: 1000)]) == ["web:3"])
        #expect(run.finish() == [])
        #expect(run.plan.requestCount == 2)
    }

    @Test func withoutForecastsTheRemaindersLeaveWhenReadingEnds() {
        let run = Run()
        #expect(run.read([image("app", layers: [1, 2])]) == [])
        #expect(run.read([image("web", layers: [1001], config: 1000)]) == [])
        #expect(run.finish() == ["app:3", "web:2"])
    }

    @Test func anOutputWithNoImageOfItsRepositoryStillCountsDown() {
        let run = Run()
        run.sink.expect([Self.expecting("app"), Self.expecting("app", "web"), .repositories([])])
        #expect(run.read([image("app", layers: [1])]) == [])
        #expect(run.read([]) == ["app:2"], "the second output held none of app's images after all")
        #expect(run.read([]) == [])
        #expect(run.finish() == [])
    }

    /// A forecast that misses a repository lets its batch go early; more of its digests then make a new batch (one call
    /// over the minimum), and every digest is still asked once and judged.
    @Test func aWrongForecastCostsACallNeverAVerdict() throws {
        let registry = RecordingStreamRegistry()
        let outputs = [
            [image("app", layers: Array(1...60))],
            [image("web", layers: Array(1001...1010), config: 1000), image("app", layers: Array(31...90))],
        ]
        let report = try Verifier(registry: registry).verify(reading: { emit in
            emit.expect([Self.expecting("app"), Self.expecting("web")])
            for images in outputs {
                for image in images { emit(image) }
                emit.outputRead()
            }
            return ScanResult(images: outputs.flatMap { $0 })
        })
        let asked = registry.asked.withLock { $0 }
        #expect(asked.map { "\($0.repository.repositoryName):\($0.digests.count)" } == ["app:61", "app:30", "web:11"])
        let keys = asked.flatMap { batch in batch.digests.map { "\(batch.repository)|\($0)" } }
        #expect(keys.count == 91 + 11 && Set(keys).count == keys.count, "each digest asked once")
        #expect(report.summary.requests == 3, "the minimum is 2: app's 91 digests went in two calls")
        #expect(report.summary.available == 91 + 11)
        #expect(report.summary.exitCode == 0)
        #expect(report.findings.isEmpty)
    }
}
