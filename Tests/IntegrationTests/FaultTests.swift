import Foundation
import TestSupport
import Testing

/// The fault matrix of issue 6 against the emulator, through the built binary with real (SDK standard mode) backoff:
/// every retry test waits at most 1 + 2 s, and the suite's tests run in parallel.
@Suite struct FaultTests {
    private func scenario(_ faults: [[String: Any]], repositories: [String] = ["app"]) throws -> AWSScenario {
        let scenario = try AWSScenario(repositories: repositories)
        if !faults.isEmpty { try scenario.emulator.addFaults(faults) }
        return scenario
    }

    @Test func twoThrottlesThenSuccessPassesOnTheThirdAttempt() throws {
        let scenario = try scenario([["kind": "throttle"], ["kind": "throttle429"]])
        let result = try scenario.run(["check", "--format", "json"], scenario.staticKeys)
        #expect(result.status == 0, "\(result.combined)")
        let calls = try scenario.calls()
        #expect(calls.map(\.fault) == ["throttle", "throttle429", nil])
        #expect(try JSONRun.parse(result).summary.available == 3)
    }

    @Test func persistentServerErrorsExhaustExactlyTheConfiguredAttempts() throws {
        let scenario = try scenario([["kind": "http500", "count": -1]])
        let started = Date()
        let result = try scenario.run(["check", "--max-attempts", "2", "--format", "json"], scenario.staticKeys)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 69)
        #expect(try scenario.calls().count == 2)
        #expect(elapsed < 5, "one backoff of at most 1 s")
        let report = try JSONRun.parse(result)
        #expect(
            report.findings.contains { $0.rule == "verification-error" && $0.message.contains("after 2 attempt(s)") })
        #expect(report.summary.available == 0 && report.summary.unverified == 3)

        try scenario.emulator.clearRequests()
        let fromEnvironment = try scenario.run(["check"], scenario.staticKeys.merging(["AWS_MAX_ATTEMPTS": "1"]) { $1 })
        #expect(fromEnvironment.status == 69)
        #expect(try scenario.calls().count == 1, "AWS_MAX_ATTEMPTS=1 means no retry")
    }

    @Test func defaultIsThreeAttemptsAndGatewayErrorsAreRetried() throws {
        let scenario = try scenario([["kind": "http500", "status": 502], ["kind": "http500", "status": 504]])
        let result = try scenario.run(["check"], scenario.staticKeys)
        #expect(result.status == 0, "\(result.combined)")
        #expect(try scenario.calls().count == 3)
        try scenario.emulator.clearRequests()
        try scenario.emulator.addFaults([["kind": "http500", "status": 503, "count": -1]])
        let exhausted = try scenario.run(["check"], scenario.staticKeys)
        #expect(exhausted.status == 69)
        #expect(try scenario.calls().count == 3)
    }

    @Test func oneConnectionResetThenSuccess() throws {
        let scenario = try scenario([["kind": "reset"]])
        let result = try scenario.run(["check"], scenario.staticKeys)
        #expect(result.status == 0, "\(result.combined)")
        #expect(try scenario.calls().map(\.fault) == ["reset", nil])
    }

    @Test(arguments: ["malformed", "wrong-shape", "truncated"])
    func malformedAnswersAreUnverifiable(kind: String) throws {
        let scenario = try scenario([["kind": kind, "count": -1]])
        let result = try scenario.run(["check", "--format", "json", "--max-attempts", "1"], scenario.staticKeys)
        #expect(result.status == 69, "\(result.combined)")
        let report = try JSONRun.parse(result)
        #expect(report.summary.available == 0)
        #expect(report.findings.contains { $0.rule == "verification-error" })
    }

    @Test func aDroppedDigestIsNeverAPass() throws {
        let scenario = try AWSScenario()
        let dropped = try #require(scenario.images["app"]?[1].digest)
        try scenario.emulator.addFaults([["kind": "drop-digest", "digest": dropped]])
        let result = try scenario.run(["check", "--format", "json"], scenario.staticKeys)
        #expect(result.status == 69)
        let report = try JSONRun.parse(result)
        #expect(report.summary.available == 2 && report.summary.unverified == 1)
        #expect(
            report.findings.contains {
                $0.rule == "verification-error" && $0.message.contains("did not mention \(dropped)")
            })
        #expect(report.images.flatMap(\.blobs).first { $0.digest == dropped }?.status == "unverified")
        // The one blob left unverified is known: the finding names it at the line of its digest in the manifest.
        let finding = try #require(report.findings.first { $0.rule == "verification-error" })
        #expect(finding.digest == dropped)
        let path = try #require(finding.path)
        let manifest = try String(contentsOfFile: scenario.repo.path + "/" + path, encoding: .utf8)
        let line = manifest.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(dropped) }
        #expect(line != nil && finding.line == line.map { $0 + 1 }, "\(path):\(finding.line ?? 0)")
        #expect((finding.line ?? 0) > 1, "the fixture's manifest is pretty-printed")
    }

    @Test func aStalledServiceEndsOnTimeAndKeepsWhatFinished() throws {
        let scenario = try scenario(
            [["kind": "stall", "repository": "slow", "delayMs": 60000]], repositories: ["app", "slow"])
        let started = Date()
        let result = try scenario.run(
            ["check", "--timeout", "5", "--format", "json"], scenario.staticKeys, timeout: 30)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 69)
        #expect(elapsed < 8, "ended at the 5 s deadline, not after the 60 s stall (took \(elapsed) s)")
        let report = try JSONRun.parse(result)
        let byRepository = Dictionary(grouping: report.images) { $0.repository ?? "" }
        #expect(
            byRepository["public.ecr.aws/demo/app"]?.flatMap(\.blobs).allSatisfy { $0.status == "available" } == true)
        #expect(
            byRepository["public.ecr.aws/demo/slow"]?.flatMap(\.blobs).allSatisfy { $0.status == "unverified" } == true)
        #expect(report.findings.contains { $0.rule == "verification-error" && $0.message.contains("--timeout") })
    }

    @Test func anUnknownRepositoryIsAFinding() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(
            ["check", "--repository", "does-not-exist", "--format", "json"], scenario.staticKeys)
        #expect(result.status == 1)
        let report = try JSONRun.parse(result)
        #expect(report.findings.contains { $0.rule == "repository-not-found" && $0.message.contains("does-not-exist") })
        #expect(try scenario.calls().count == 1, "not retried")
    }

    @Test(arguments: [("access-denied", 77), ("expired-token", 77)])
    func rejectedCredentialsExit77(kind: String, code: Int32) throws {
        let scenario = try scenario([["kind": kind, "count": -1]])
        let result = try scenario.run(["check"], scenario.staticKeys)
        #expect(result.status == code, "\(result.combined)")
        #expect(try scenario.calls().count <= 2, "no retry storm on a rejection")
    }

    @Test func invalidRetrySettingsAreConfigurationErrors() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(["check"], scenario.staticKeys.merging(["AWS_MAX_ATTEMPTS": "many"]) { $1 })
        #expect(result.status == 78)
        #expect(result.stderr.contains("AWS_MAX_ATTEMPTS must be a whole number"))
        let flag = try scenario.run(["check", "--max-attempts", "0"], scenario.staticKeys)
        #expect(flag.status == 64)
        #expect(try scenario.calls().isEmpty)
    }
}
