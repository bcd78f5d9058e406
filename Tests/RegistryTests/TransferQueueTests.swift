import Checking
import Foundation
import ImageModel
import Testing

@testable import Registry

/// The transfer queue's rules against a scripted engine: no curl, no network, real (short) time.
@Suite struct TransferQueueTests {
    static let repository = RepositoryRef(registryId: "demo", repositoryName: "app")
    static let deadlineMessage = "the run's --timeout expired before the service answered"

    static func batches(_ count: Int, from first: Int = 0) -> [LayerBatch] {
        (first..<first + count).map { LayerBatch(repository: repository, digests: [ClientRetryTests.digest($0)]) }
    }

    static func configuration(
        concurrency: Int = 4, attempts: Int = 3, maxDelay: Double = 0.01,
        deadline: Date? = nil
    ) -> ClientConfiguration {
        ClientConfiguration(
            endpoint: Endpoint(url: "https://api.fake", region: "us-east-1", source: "test"),
            concurrency: concurrency,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: maxDelay / 5, maxDelay: maxDelay),
            deadline: deadline)
    }

    static func run(
        _ driver: TransferDriver, _ engine: FakeTransferEngine, _ configuration: ClientConfiguration,
        perSecond: Int = 10_000, stream: BatchStream
    ) -> (answers: [BatchAnswer], started: Int) {
        let queue = TransferQueue(configuration: configuration, perSecond: perSecond, makeEngine: { _ in engine })
        let answers = queue.run(driver, stream: stream)
        return (answers, queue.transfersStarted)
    }

    @Test func concurrencyNeverExceedsTheLimitAndFirstBatchesLeaveFirst() {
        let engine = FakeTransferEngine(latency: 0.003)
        let driver = ScriptedDriver()
        let (answers, started) = Self.run(
            driver, engine, Self.configuration(concurrency: 4),
            stream: BatchStream(finished: Self.batches(40)))
        #expect(answers.count == 40 && answers.allSatisfy { $0.failure == nil })
        #expect(engine.maxInFlight == 4)
        #expect(started == 40 && engine.starts.count == 40)
        #expect(engine.starts.prefix(4).map(\.request.url) == (0..<4).map(ScriptedDriver.url))

        let serial = FakeTransferEngine(latency: 0.001)
        _ = Self.run(
            ScriptedDriver(), serial, Self.configuration(concurrency: 1),
            stream: BatchStream(finished: Self.batches(5)))
        #expect(serial.maxInFlight == 1)
        #expect(serial.starts.map(\.request.url) == (0..<5).map(ScriptedDriver.url))
    }

    @Test func rateLimitedStartsBurstOneSecondsWorthThenFollowTheRate() {
        let engine = FakeTransferEngine()
        _ = Self.run(
            ScriptedDriver(), engine, Self.configuration(concurrency: 100), perSecond: 20,
            stream: BatchStream(finished: Self.batches(30)))
        let times = engine.starts.map(\.at)
        #expect(times.count == 30)
        #expect(times[19].timeIntervalSince(times[0]) < 0.1, "a full bucket lets 20 start at once")
        for k in 1...10 {
            #expect(
                times[19 + k].timeIntervalSince(times[0]) >= Double(k) / 20 - 0.005,
                "start \(19 + k) waited for a token")
        }

        let unlimited = FakeTransferEngine()
        let driver = ScriptedDriver()
        driver.rateLimited = false
        _ = Self.run(
            driver, unlimited, Self.configuration(concurrency: 100), perSecond: 20,
            stream: BatchStream(finished: Self.batches(30)))
        #expect(unlimited.starts.count == 30)
        #expect(
            unlimited.starts[29].at.timeIntervalSince(unlimited.starts[0].at) < 0.1,
            "transfers the driver exempts never wait")
    }

    @Test func retriesStopAtTheAttemptLimit() {
        let engine = FakeTransferEngine { _, _ in .status(503) }
        let (answers, started) = Self.run(
            ScriptedDriver(), engine, Self.configuration(attempts: 3),
            stream: BatchStream(finished: Self.batches(2)))
        #expect(started == 6)
        #expect(engine.starts(of: ScriptedDriver.url(0)).count == 3)
        #expect(answers.map { $0.failure?.message } == Array(repeating: "HTTP 503 (after 3 attempt(s))", count: 2))

        let flaky = FakeTransferEngine { _, earlier in earlier == 0 ? .status(500) : .ok() }
        let (recovered, sent) = Self.run(
            ScriptedDriver(), flaky, Self.configuration(),
            stream: BatchStream(finished: Self.batches(1)))
        #expect(recovered[0].failure == nil && sent == 2)
    }

    @Test func retriesStopWhenTheBudgetIsEmpty() {
        let engine = FakeTransferEngine { _, _ in .status(500) }
        let (answers, started) = Self.run(
            ScriptedDriver(), engine, Self.configuration(concurrency: 16, attempts: 3),
            stream: BatchStream(finished: Self.batches(150)))
        // 150 first attempts, then 500 tokens / 5 per retry = 100 retries (without the budget: 450 transfers).
        #expect(started == 250)
        #expect(answers.allSatisfy { $0.failure?.kind == .unverifiable })
        #expect(answers.contains { $0.failure?.message == "HTTP 500 (retry budget exhausted)" })
        #expect(answers.contains { $0.failure?.message == "HTTP 500 (after 3 attempt(s))" })
    }

    @Test func retryDecisionsFollowTheAttemptLimitBudgetAndRetryAfter() {
        var decider = RetryDecider(policy: RetryPolicy(maxAttempts: 3), budget: RetryBudget(tokens: 15))
        decider.random = { 0.5 }
        #expect(decider.decide(attempts: 1, isTimeout: false, retryAfter: nil) == .retry(delay: 0.5, cost: 5))
        #expect(decider.decide(attempts: 2, isTimeout: false, retryAfter: 5) == .retry(delay: 5, cost: 5))
        #expect(decider.decide(attempts: 3, isTimeout: false, retryAfter: nil) == .giveUp("after 3 attempt(s)"))
        #expect(
            decider.decide(attempts: 1, isTimeout: true, retryAfter: nil) == .giveUp("retry budget exhausted"),
            "a timeout costs 10 and only 5 tokens are left")
        decider.ended(retryCost: 5)
        #expect(
            decider.decide(attempts: 1, isTimeout: true, retryAfter: 3600) == .retry(delay: 60, cost: 10),
            "Retry-After is clamped to three maximal backoffs")
        let fresh = RetryDecider(policy: RetryPolicy(maxAttempts: 3), budget: RetryBudget())
        #expect(fresh.decide(attempts: 1, isTimeout: false, retryAfter: -4) == .retry(delay: 0, cost: 5))
    }

    @Test func retryAfterIsHonouredAndClamped() {
        let polite = FakeTransferEngine { _, earlier in
            earlier == 0 ? .status(429, headers: ["retry-after": "0.3"]) : .ok()
        }
        let (answers, _) = Self.run(
            ScriptedDriver(), polite, Self.configuration(maxDelay: 0.2),
            stream: BatchStream(finished: Self.batches(1)))
        let times = polite.starts(of: ScriptedDriver.url(0))
        #expect(answers[0].failure == nil && times.count == 2)
        let gap = times[1].timeIntervalSince(times[0])
        #expect(gap >= 0.3, "waited the server's 0.3 s, not the policy's backoff of at most 0.04 s (gap \(gap))")

        let greedy = FakeTransferEngine { _, earlier in
            earlier == 0 ? .status(503, headers: ["retry-after": "3600"]) : .ok()
        }
        _ = Self.run(
            ScriptedDriver(), greedy, Self.configuration(maxDelay: 0.05),
            stream: BatchStream(finished: Self.batches(1)))
        let clamped = greedy.starts(of: ScriptedDriver.url(0))
        #expect(clamped.count == 2)
        let wait = clamped[1].timeIntervalSince(clamped[0])
        #expect(wait >= 0.15 && wait < 1, "an hour's Retry-After is clamped to 3 × 0.05 s (waited \(wait))")
    }

    @Test func theDeadlineFailsEverythingInFlightAndQueued() {
        let engine = FakeTransferEngine(latency: 60)
        let started = Date()
        let (answers, sent) = Self.run(
            ScriptedDriver(), engine,
            Self.configuration(concurrency: 2, deadline: Date().addingTimeInterval(0.3)),
            stream: BatchStream(finished: Self.batches(5)))
        #expect(answers.count == 5)
        #expect(answers.allSatisfy { $0.failure == BatchFailure(.unverifiable, Self.deadlineMessage) })
        #expect(
            sent == 2 && engine.cancelled.count == 2,
            "the two in flight were abandoned, the three queued never started")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.3 && elapsed < 2)
    }

    @Test func aBatchArrivingAfterTheDeadlineIsRejected() {
        let stream = BatchStream()
        stream.push(Self.batches(1))
        let late = Self.batches(1, from: 9)[0]
        Thread {
            Thread.sleep(forTimeInterval: 0.6)
            stream.push([late])
            stream.finish()
        }.start()
        let driver = ScriptedDriver()
        let (answers, _) = Self.run(
            driver, FakeTransferEngine(latency: 60),
            Self.configuration(deadline: Date().addingTimeInterval(0.3)), stream: stream)
        #expect(answers.map(\.failure) == [BatchFailure(.unverifiable, Self.deadlineMessage)])
        #expect(driver.rejected.map(\.0) == [late])
        #expect(driver.rejected.map(\.1) == [BatchFailure(.unverifiable, Self.deadlineMessage)])
    }

    @Test func batchesAfterAFailedStartAreRejectedWithoutAnyTransfer() {
        let failure = BatchFailure(.credentials, "no AWS credentials found")
        let driver = ScriptedDriver(startFailure: failure)
        var engines = 0
        let queue = TransferQueue(
            configuration: Self.configuration(), perSecond: 100,
            makeEngine: { _ in
                engines += 1
                return FakeTransferEngine()
            })
        _ = queue.run(driver, stream: BatchStream(finished: Self.batches(3)))
        #expect(driver.rejected.count == 3 && driver.rejected.allSatisfy { $0.1 == failure })
        #expect(engines == 0 && queue.transfersStarted == 0)
    }

    @Test func anExpiredTokenIsResentWithFreshCredentials() {
        let digest = ClientRetryTests.digest(3)
        let provider = ScriptedProvider(
            "container",
            [
                { .found(Credentials(accessKeyId: "AKIASTALE", secretAccessKey: "stale", source: "container")) },
                {
                    .found(
                        Credentials(
                            accessKeyId: "ASIAFRESH", secretAccessKey: "fresh", sessionToken: "token-2",
                            source: "container"))
                },
            ])
        let configuration = Self.configuration()
        let client = ECRPublicClient(configuration: configuration, credentials: CredentialChain(providers: [provider]))
        let available =
            #"{"layers":[{"layerDigest":"\#(digest.string)","layerAvailability":"AVAILABLE","#
            + #""layerSize":10}],"failures":[]}"#
        let expired = #"{"__type":"ExpiredTokenException","message":"The security token is expired"}"#
        let engine = FakeTransferEngine { request, _ in
            request.signing?.credentials.accessKeyId == "AKIASTALE" ? .status(400, body: expired) : .ok(available)
        }
        let batch = LayerBatch(repository: Self.repository, digests: [digest])
        let (answers, sent) = Self.run(
            APIDriver(client: client), engine, configuration,
            stream: BatchStream(finished: [batch]))
        #expect(answers.count == 1 && answers[0].failure == nil)
        #expect(answers[0].verdict(at: 0) == .available(size: 10, mediaType: nil))
        #expect(sent == 2 && provider.calls == 2)
        #expect(engine.starts.map { $0.request.signing?.credentials.accessKeyId } == ["AKIASTALE", "ASIAFRESH"])
        #expect(engine.starts[1].request.headerLines.contains("X-Amz-Security-Token: token-2"))
    }

    /// A streaming run hands each answer over as it comes and lets its batch go: the driver ends holding nothing,
    /// however many batches it sent. Without a taker it keeps every answer, in the order the batches came.
    @Test func answersHandedOverAreLetGo() {
        let digest = ClientRetryTests.digest(3)
        let available =
            #"{"layers":[{"layerDigest":"\#(digest.string)","layerAvailability":"AVAILABLE","#
            + #""layerSize":10}],"failures":[]}"#
        let configuration = Self.configuration()
        func client() -> ECRPublicClient {
            ECRPublicClient(
                configuration: configuration,
                credentials: CredentialChain(providers: [
                    ScriptedProvider(
                        "env", [{ .found(Credentials(accessKeyId: "AKIAKEY", secretAccessKey: "s", source: "env")) }])
                ]))
        }
        let batches = (0..<40).map { _ in LayerBatch(repository: Self.repository, digests: [digest]) }
        let streaming = APIDriver(client: client())
        var delivered: [BatchAnswer] = []
        streaming.deliver = { delivered.append($0) }
        let (kept, sent) = Self.run(
            streaming, FakeTransferEngine { _, _ in .ok(available) }, configuration,
            stream: BatchStream(finished: batches))
        #expect(sent == 40 && delivered.count == 40 && kept.isEmpty)
        #expect(delivered.allSatisfy { $0.failure == nil && $0.verdict(at: 0) == .available(size: 10, mediaType: nil) })
        #expect(streaming.heldCount == 0, "nothing is held once every answer was handed over")

        let keeping = APIDriver(client: client())
        let (answers, _) = Self.run(
            keeping, FakeTransferEngine { _, _ in .ok(available) }, configuration,
            stream: BatchStream(finished: batches))
        #expect(answers.count == 40 && answers.allSatisfy { $0.failure == nil })
        #expect(keeping.heldCount >= 40, "without a taker every answer is kept for the end")
    }

    @Test func transportFailuresAreClassifiedForRetrying() {
        let timedOut = TransportFailure(kind: .timedOut, detail: "Operation timed out after 500 milliseconds")
        #expect(timedOut.retryable && timedOut.isTimeout)
        #expect(timedOut.reason == "timed out: Operation timed out after 500 milliseconds")
        let refused = TransportFailure(kind: .connection, detail: "Failed to connect")
        #expect(refused.retryable && !refused.isTimeout && refused.reason == "connection failed: Failed to connect")
        let tls = TransportFailure(kind: .other, detail: "SSL certificate problem")
        #expect(!tls.retryable && tls.reason == "request failed: SSL certificate problem")
        let huge = TransportFailure(kind: .overflow, detail: "Failed writing received data")
        #expect(!huge.retryable && huge.reason == "the service's answer exceeded 8388608 bytes")
    }
}
