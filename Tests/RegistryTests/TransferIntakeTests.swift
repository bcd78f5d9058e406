import Checking
import Foundation
import ImageModel
import Testing

@testable import Registry

/// The transfer queue takes batches from the stream only while few jobs wait for their turn, so a rate-limited run
/// leaves the rest in the stream, where its bound holds the reader back (issue #16).
@Suite struct TransferIntakeTests {
    @Test func aRateLimitedQueueLeavesBatchesItCannotStartSoonInTheStream() {
        let stream = BatchStream()
        stream.push(TransferQueueTests.batches(120))
        // Used by the queue's thread until `done`, then read here.
        nonisolated(unsafe) let engine = FakeTransferEngine(latency: 0.001)
        nonisolated(unsafe) let driver = ScriptedDriver()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var started = 0
        Thread {
            started =
                TransferQueueTests.run(
                    driver, engine, TransferQueueTests.configuration(concurrency: 2), perSecond: 50, stream: stream
                ).started
            done.signal()
        }.start()
        // A second's worth (50) starts at once, then 50 a second: after 0.3 s about 65 have started, and no more than
        // 4 rounds of the concurrency (8) wait in the queue; the rest are still in the stream.
        Thread.sleep(forTimeInterval: 0.3)
        let left = stream.queuedCount
        stream.finish()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(left >= 30, "\(left) batches were left in the stream")
        #expect(started == 120 && driver.answered.count == 120)
    }
}
