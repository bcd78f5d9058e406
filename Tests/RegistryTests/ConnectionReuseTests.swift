import Checking
import Foundation
import ImageModel
import Synchronization
import TestSupport
import Testing

@testable import Registry

/// A run keeps its connections through a lull: the calls after it go out on the connections the calls before it opened,
/// not on new ones (with the real service each new one costs a TLS handshake).
@Suite struct ConnectionReuseTests {
    @Test func callsAfterALullGoOutOnTheConnectionsAlreadyOpen() throws {
        let concurrency = 8
        // A full round, one call alone (libcurl then keeps only 4 idle connections by default), a full round again.
        let rounds = [concurrency, 1, concurrency]
        let repository = RepositoryRef(registryId: "demo", repositoryName: "app")
        let digests = (0..<rounds.reduce(0, +)).map { ClientRetryTests.digest(100 + $0) }
        let emulator = try Emulator(
            repositories: ["app": Dictionary(uniqueKeysWithValues: digests.map { ($0.string, Int64(10)) })],
            latencyMs: 40)
        let client = ClientRetryTests.client(emulator, concurrency: concurrency)
        let stream = BatchStream()
        let answered = DispatchSemaphore(value: 0)
        let answers = Mutex<[BatchAnswer]>([])
        // Each round leaves only once every call of the one before is answered: between rounds nothing is in progress.
        let feeder = Thread {
            var next = 0
            for size in rounds {
                stream.push(digests[next..<(next + size)].map { LayerBatch(repository: repository, digests: [$0]) })
                next += size
                for _ in 0..<size { answered.wait() }
            }
            stream.finish()
        }
        feeder.start()
        client.check(stream: stream) { answer in
            answers.withLock { $0.append(answer) }
            answered.signal()
        }
        let received = answers.withLock { $0 }
        #expect(received.count == digests.count)
        #expect(
            received.allSatisfy { answer in
                answer.failure == nil
                    && answer.answers.values.allSatisfy {
                        if case .available = $0 { return true }
                        return false
                    }
            })
        let calls = try emulator.batchCalls()
        #expect(calls.count == digests.count)
        let connections = Set(calls.compactMap(\.connection))
        #expect(calls.allSatisfy { $0.connection != nil }, "the emulator numbers every connection")
        #expect(
            connections.count <= concurrency,
            "\(calls.count) calls in \(rounds) rounds came on \(connections.count) connections (at most \(concurrency) may be open)"
        )
    }
}
