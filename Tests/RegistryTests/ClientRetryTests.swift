import Checking
import Foundation
import ImageModel
import TestSupport
import Testing

@testable import Registry

/// The client against the emulator with millisecond backoff (a library knob, not a product flag), so the retry
/// machinery itself — attempts, budget, expiry refresh — is tested fast.
@Suite struct ClientRetryTests {
    static func digest(_ seed: Int) -> Digest {
        Digest(sha256Hex: String(format: "%064x", seed)) ?? Digest(sha256Hex: String(repeating: "a", count: 64))!
    }

    static func client(
        _ emulator: Emulator, attempts: Int = 3, concurrency: Int = 8, deadline: Date? = nil,
        requestTimeout: Double = 30,
        providers: [CredentialProvider]? = nil
    ) -> ECRPublicClient {
        let configuration = ClientConfiguration(
            endpoint: Endpoint(url: emulator.url, region: "us-east-1", source: "test"), concurrency: concurrency,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.002, maxDelay: 0.01),
            requestTimeout: requestTimeout, deadline: deadline)
        let chain = CredentialChain(
            providers: providers ?? [EnvironmentCredentialProvider(environment: emulator.environment)])
        return ECRPublicClient(configuration: configuration, credentials: chain)
    }

    @Test func anOutageDrainsTheRetryBudgetInsteadOfMultiplyingTraffic() throws {
        let emulator = try Emulator(repositories: ["app": [:]])
        try emulator.addFaults([["kind": "http500", "count": -1]])
        let batches = (0..<150).map {
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [Self.digest($0)])
        }
        let client = Self.client(emulator)
        let answers = client.check(batches)
        #expect(answers.count == 150)
        #expect(answers.allSatisfy { $0.failure?.kind == .unverifiable })
        // 150 first attempts, then 500 tokens / 5 per retry = 100 retries; without the budget it would be 450 calls.
        #expect(client.requestsSent == 250)
        #expect(try emulator.batchCalls().count == 250)
        #expect(answers.contains { $0.failure?.message.contains("retry budget exhausted") == true })
        #expect(answers.contains { $0.failure?.message.contains("after 3 attempt(s)") == true })
    }

    @Test func retriesThrottlingAndServerErrorsThenSucceeds() throws {
        let digest = Self.digest(1)
        let emulator = try Emulator(repositories: ["app": [digest.string: 10]])
        try emulator.addFaults([["kind": "throttle"], ["kind": "throttle429"], ["kind": "http500", "status": 503]])
        let client = Self.client(emulator, attempts: 4)
        let answer = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest])
        ])[0]
        #expect(answer.failure == nil)
        #expect(
            answer.answers[digest] == .available(size: 10, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip"))
        #expect(client.requestsSent == 4)
    }

    @Test func aRequestThatTimesOutIsRetried() throws {
        let digest = Self.digest(8)
        let emulator = try Emulator(repositories: ["app": [digest.string: 10]])
        try emulator.addFaults([["kind": "slow", "delayMs": 3000]])
        let client = Self.client(emulator, requestTimeout: 0.5)
        let started = Date()
        let answer = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest])
        ])[0]
        #expect(answer.failure == nil, "\(answer.failure?.message ?? "")")
        #expect(client.requestsSent == 2)
        #expect(Date().timeIntervalSince(started) < 2.5, "the per-request timeout cut the slow attempt short")
    }

    @Test func clientErrorsAreNotRetried() throws {
        let emulator = try Emulator(repositories: ["app": [:]])
        try emulator.addFaults([["kind": "access-denied"]])
        let client = Self.client(emulator)
        let answer = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [Self.digest(2)])
        ])[0]
        #expect(answer.failure?.kind == .credentials)
        #expect(client.requestsSent == 1)
        let notFound = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "nope"), digests: [Self.digest(2)])
        ])[0]
        #expect(notFound.failure?.kind == .repositoryNotFound)
        #expect(client.requestsSent == 2)
    }

    @Test func anExpiredTokenIsRefreshedOnceAndTheBatchResent() throws {
        let digest = Self.digest(3)
        let emulator = try Emulator(repositories: ["app": [digest.string: 10]])
        try emulator.addFaults([["kind": "expired-token"]])
        let staleThenFresh = ScriptedProvider(
            "container",
            [
                {
                    .found(
                        Credentials(
                            accessKeyId: Emulator.accessKey, secretAccessKey: Emulator.secretKey, source: "container"))
                },
                {
                    .found(
                        Credentials(
                            accessKeyId: Emulator.sessionAccessKey, secretAccessKey: Emulator.sessionSecretKey,
                            sessionToken: Emulator.sessionToken, source: "container"))
                },
            ])
        let client = Self.client(emulator, providers: [staleThenFresh])
        let answer = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest])
        ])[0]
        #expect(answer.failure == nil)
        #expect(staleThenFresh.calls == 2)
        let calls = try emulator.batchCalls()
        #expect(calls.count == 2 && calls[1].sessionTokenSigned == true)

        // The same keys handed back again: no endless loop, a clear credentials failure.
        try emulator.addFaults([["kind": "expired-token", "count": -1]])
        let stuck = ScriptedProvider(
            "environment",
            [
                {
                    .found(
                        Credentials(
                            accessKeyId: Emulator.accessKey, secretAccessKey: Emulator.secretKey, source: "environment")
                    )
                }
            ])
        let failed = Self.client(emulator, providers: [stuck]).check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest])
        ])[0]
        #expect(failed.failure?.kind == .credentials)
        #expect(failed.failure?.message.contains("handed out the same credentials again") == true)
    }

    @Test func credentialSourcesThatCannotBeReachedAreUnverifiableNotRejected() {
        let unreachable = ScriptedProvider(
            "web identity", [{ throw CredentialError(message: "STS timed out", transient: true) }])
        let refused = ScriptedProvider("web identity", [{ throw CredentialError(message: "InvalidIdentityToken") }])
        let none = ScriptedProvider("environment", [{ .notConfigured("unset") }])
        let batch = LayerBatch(
            repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [Self.digest(4)])
        let endpoint = Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", source: "test")
        func check(_ provider: ScriptedProvider) -> BatchFailure? {
            ECRPublicClient(
                configuration: ClientConfiguration(endpoint: endpoint),
                credentials: CredentialChain(providers: [provider])
            ).check([batch])[0].failure
        }
        #expect(check(unreachable)?.kind == .unverifiable)
        #expect(check(refused)?.kind == .credentials)
        #expect(check(none)?.kind == .credentials)
        #expect(check(none)?.message.contains("no AWS credentials found (tried: environment: unset)") == true)
    }

    @Test func theDeadlineEndsStalledCallsAndKeepsFinishedOnes() throws {
        let digest = Self.digest(5)
        let emulator = try Emulator(repositories: ["app": [digest.string: 10], "slow": [digest.string: 10]])
        try emulator.addFaults([["kind": "stall", "repository": "slow", "delayMs": 30000]])
        let client = Self.client(emulator, deadline: Date().addingTimeInterval(1))
        let started = Date()
        let answers = client.check([
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "slow"), digests: [digest]),
            LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: [digest]),
        ])
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(answers[0].failure?.kind == .unverifiable)
        #expect(answers[0].failure?.message.contains("--timeout") == true)
        #expect(answers[1].failure == nil && answers[1].answers[digest] != nil)
    }

    @Test func malformedAndIncompleteAnswersNeverPass() throws {
        let digests = [Self.digest(6), Self.digest(7)]
        let emulator = try Emulator(repositories: [
            "app": Dictionary(uniqueKeysWithValues: digests.map { ($0.string, Int64(10)) })
        ])
        let batch = LayerBatch(repository: RepositoryRef(registryId: "demo", repositoryName: "app"), digests: digests)
        for kind in ["malformed", "wrong-shape", "truncated"] {
            try emulator.addFaults([["kind": kind, "count": -1]])
            let answer = Self.client(emulator, attempts: 2).check([batch])[0]
            #expect(answer.failure?.kind == .unverifiable, "\(kind)")
            #expect(answer.answers.isEmpty, "\(kind)")
            try emulator.clearFaults()
        }
        try emulator.addFaults([["kind": "drop-digest", "digest": digests[1].string]])
        let dropped = Self.client(emulator).check([batch])[0]
        #expect(dropped.failure == nil)
        #expect(dropped.answers[digests[0]] != nil)
        #expect(
            dropped.answers[digests[1]] == nil,
            "an unmentioned digest has no verdict; the Verifier makes it a verification error")
    }
}
