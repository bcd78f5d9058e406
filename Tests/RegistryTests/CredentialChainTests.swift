import Foundation
import Testing

@testable import Registry

/// A provider scripted per call, counting how often it was asked.
final class ScriptedProvider: CredentialProvider {
    let name: String
    var script: [() throws -> ProviderResult]
    private(set) var calls = 0

    init(_ name: String, _ script: [() throws -> ProviderResult]) {
        self.name = name
        self.script = script
    }

    func resolve() throws -> ProviderResult {
        calls += 1
        let step = script[min(calls - 1, script.count - 1)]
        return try step()
    }
}

/// A clock the test moves by hand.
final class TestClock {
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }
}

@Suite struct CredentialChainTests {
    static func credentials(_ key: String, expiresAt: Date? = nil, source: String = "test") -> Credentials {
        Credentials(
            accessKeyId: key, secretAccessKey: "secret-\(key)", sessionToken: "token-\(key)", expiration: expiresAt,
            source: source)
    }

    @Test func firstFoundWinsAndLaterSourcesAreNotAsked() throws {
        let first = ScriptedProvider("one", [{ .notConfigured("nothing here") }])
        let second = ScriptedProvider("two", [{ .found(Self.credentials("AKIDTWO00000")) }])
        let third = ScriptedProvider("three", [{ .found(Self.credentials("AKIDTHREE000")) }])
        let chain = CredentialChain(providers: [first, second, third])
        #expect(try chain.resolve().accessKeyId == "AKIDTWO00000")
        #expect(try chain.resolve().accessKeyId == "AKIDTWO00000")
        #expect(first.calls == 1 && second.calls == 1 && third.calls == 0)
        #expect(chain.fetches == 1)
    }

    @Test func nothingAnywhereListsWhatWasTried() {
        let chain = CredentialChain(providers: [
            ScriptedProvider("environment", [{ .notConfigured("AWS_ACCESS_KEY_ID is not set") }]),
            ScriptedProvider("EC2 instance metadata", [{ .notConfigured("disabled by AWS_EC2_METADATA_DISABLED") }]),
        ])
        #expect {
            try chain.resolve()
        } throws: { error in
            guard let error = error as? CredentialError else { return false }
            return error.message == "no AWS credentials found" && error.tried.count == 2 && !error.transient
                && error.description.contains(
                    "environment: AWS_ACCESS_KEY_ID is not set; EC2 instance metadata: disabled")
        }
    }

    @Test func aSourceThatAppliesButFailsStopsTheChain() {
        let failing = ScriptedProvider(
            "web identity", [{ throw CredentialError(message: "STS refused", transient: true) }])
        let later = ScriptedProvider("later", [{ .found(Self.credentials("AKIDLATER000")) }])
        let chain = CredentialChain(providers: [
            ScriptedProvider("environment", [{ .notConfigured("unset") }]), failing, later,
        ])
        #expect {
            try chain.resolve()
        } throws: { error in
            guard let error = error as? CredentialError else { return false }
            return error.message == "web identity: STS refused" && error.transient
                && error.tried == ["environment: unset"]
        }
        #expect(later.calls == 0)
    }

    @Test func temporaryCredentialsAreRefreshedBeforeTheyExpire() throws {
        let clock = TestClock()
        let provider = ScriptedProvider(
            "container",
            [
                { .found(Self.credentials("ASIAGEN1XXXX", expiresAt: clock.now.addingTimeInterval(900))) },
                { .found(Self.credentials("ASIAGEN2XXXX", expiresAt: clock.now.addingTimeInterval(900))) },
            ])
        let chain = CredentialChain(providers: [provider], now: { clock.now })
        #expect(try chain.resolve().accessKeyId == "ASIAGEN1XXXX")
        clock.advance(500)
        #expect(try chain.resolve().accessKeyId == "ASIAGEN1XXXX", "400 s left: outside the refresh margin")
        clock.advance(150)
        #expect(try chain.resolve().accessKeyId == "ASIAGEN2XXXX", "250 s left: refreshed from the same source")
        #expect(provider.calls == 2)
        #expect(chain.fetches == 2)
    }

    @Test func aFailedAdvisoryRefreshKeepsValidCredentialsAndIsThrottled() throws {
        let clock = TestClock()
        let provider = ScriptedProvider(
            "IMDS",
            [
                { .found(Self.credentials("ASIAGEN1XXXX", expiresAt: clock.now.addingTimeInterval(120))) },
                { throw CredentialError(message: "IMDS timed out", transient: true) },
            ])
        let chain = CredentialChain(providers: [provider], now: { clock.now })
        _ = try chain.resolve()
        _ = try chain.resolve()
        #expect(provider.calls == 1, "just fetched: a short-lived answer is not re-fetched in a loop")
        clock.advance(CredentialChain.minimumRefreshInterval + 1)
        #expect(try chain.resolve().accessKeyId == "ASIAGEN1XXXX", "refresh failed, the old ones are still valid")
        #expect(provider.calls == 2)
        clock.advance(1)
        _ = try chain.resolve()
        #expect(provider.calls == 2, "not asked again within the minimum refresh interval")
        clock.advance(CredentialChain.minimumRefreshInterval)
        _ = try chain.resolve()
        #expect(provider.calls == 3)
        clock.advance(200)
        #expect(throws: CredentialError.self, "expired and the refresh fails: no silent use of expired keys") {
            try chain.resolve()
        }
    }

    @Test func forcedRefreshAsksAgainEvenWhenFresh() throws {
        let provider = ScriptedProvider(
            "web identity",
            [
                { .found(Self.credentials("ASIAGEN1XXXX", expiresAt: Date().addingTimeInterval(3600))) },
                { .found(Self.credentials("ASIAGEN2XXXX", expiresAt: Date().addingTimeInterval(3600))) },
            ])
        let chain = CredentialChain(providers: [provider])
        _ = try chain.resolve()
        #expect(try chain.resolve(forceRefresh: true).accessKeyId == "ASIAGEN2XXXX")
        let gone = ScriptedProvider(
            "gone", [{ .found(Self.credentials("ASIAONCEXXXX")) }, { .notConfigured("variable unset") }])
        let goneChain = CredentialChain(providers: [gone])
        _ = try goneChain.resolve()
        #expect(throws: CredentialError.self) { try goneChain.resolve(forceRefresh: true) }
    }

    @Test func environmentProviderNeedsBothKeysAndTakesTheSessionToken() throws {
        #expect(throws: CredentialError.self) {
            try EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKID"]).resolve()
        }
        #expect(throws: CredentialError.self) {
            try EnvironmentCredentialProvider(environment: ["AWS_SECRET_ACCESS_KEY": "s"]).resolve()
        }
        guard case .notConfigured = try EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": ""]).resolve()
        else {
            Issue.record("empty variables mean not configured")
            return
        }
        guard
            case .found(let found) = try EnvironmentCredentialProvider(environment: [
                "AWS_ACCESS_KEY_ID": "ASIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok",
            ]).resolve()
        else {
            Issue.record("expected credentials")
            return
        }
        #expect(found.sessionToken == "tok" && found.source == "environment")
    }

    @Test func standardChainIsInSDKOrderAndProfileFlagSkipsEnvironment() throws {
        let shared = SharedConfig(configPath: "/dev/null", credentialsPath: "/dev/null")
        let chain = try CredentialChain.standard(
            environment: [:], sharedConfig: shared, stsRegion: nil, http: HTTPSettings())
        #expect(
            chain.providerNames == [
                "environment", "web identity", "shared files", "container", "EC2 instance metadata",
            ])
        let directory = try TemporaryDirectoryForTests()
        let credentialsFile = directory.write(
            "credentials", "[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profilesecret\n")
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIDFROMENV", "AWS_SECRET_ACCESS_KEY": "envsecret",
            "AWS_SHARED_CREDENTIALS_FILE": credentialsFile,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "dev",
        ]
        let viaVariable = try CredentialChain.standard(
            environment: environment, sharedConfig: try SharedConfig.load(environment: environment, profileFlag: nil),
            stsRegion: nil, http: HTTPSettings())
        #expect(
            try viaVariable.resolve().accessKeyId == "AKIDFROMENV",
            "AWS_PROFILE does not outrank environment keys (botocore)")
        let viaFlag = try CredentialChain.standard(
            environment: environment, sharedConfig: try SharedConfig.load(environment: environment, profileFlag: "dev"),
            stsRegion: nil, http: HTTPSettings())
        let found = try viaFlag.resolve()
        #expect(found.accessKeyId == "AKIDFROMPROFILE", "--profile skips the environment")
        #expect(found.source == "shared credentials file (profile dev)")
    }

    @Test func credentialDocumentsParseAllExpirationForms() throws {
        for text in ["2026-11-29T10:00:00Z", "2026-11-29T10:00:00.000Z", "2026-11-29T10:00:00+00:00"] {
            let data = Data(#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"\#(text)"}"#.utf8)
            let parsed = try CredentialDocument.parse(data, source: "x", what: "y")
            #expect(parsed.expiration == Date(timeIntervalSince1970: 1_795_946_400))
            #expect(parsed.sessionToken == "t")
        }
        #expect(throws: CredentialError.self) { try CredentialDocument.parse(Data("{}".utf8), source: "x", what: "y") }
        #expect(throws: CredentialError.self) {
            try CredentialDocument.parse(Data("not json".utf8), source: "x", what: "y")
        }
        #expect(throws: CredentialError.self) {
            try CredentialDocument.parse(
                Data(#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#.utf8), source: "x", what: "y")
        }
    }
}
