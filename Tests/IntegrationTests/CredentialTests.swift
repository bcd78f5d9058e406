import Foundation
import TestSupport
import Testing

/// Every credential source of SPEC §4 end to end: the built binary gets credentials from a loopback fake of STS, the
/// container endpoint or IMDSv2 (or the shared files), then makes a signed call the emulator verifies — session token
/// included — and exits 0.
@Suite struct CredentialTests {
    /// The run passed and every call was signed validly with `accessKey` (and its session token when it has one).
    private func expectSignedCalls(
        _ scenario: AWSScenario, _ result: ProcessResult, accessKey: String, withToken: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(
            result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)", sourceLocation: sourceLocation)
        let calls = try scenario.calls()
        #expect(!calls.isEmpty, sourceLocation: sourceLocation)
        for call in calls {
            #expect(call.signatureValid, "\(call.signatureError ?? "")", sourceLocation: sourceLocation)
            #expect(call.accessKeyId == accessKey, sourceLocation: sourceLocation)
            #expect(call.sessionTokenSigned == (withToken ? true : nil), sourceLocation: sourceLocation)
        }
    }

    @Test func environmentWithSessionToken() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(
            ["check", "--format", "json"],
            [
                "AWS_ACCESS_KEY_ID": Emulator.sessionAccessKey, "AWS_SECRET_ACCESS_KEY": Emulator.sessionSecretKey,
                "AWS_SESSION_TOKEN": Emulator.sessionToken,
            ])
        try expectSignedCalls(scenario, result, accessKey: Emulator.sessionAccessKey)
        #expect(try JSONRun.parse(result).summary.available == 3)
    }

    @Test func webIdentityFromTheEnvironment() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        let result = try scenario.run(
            ["check"],
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ROLE_SESSION_NAME": "gitlab-job-42",
                "AWS_ENDPOINT_URL_STS": scenario.fakes.url, "AWS_REGION": "us-west-2",
            ])
        try expectSignedCalls(scenario, result, accessKey: MetadataFakes.sts[0].accessKeyId)
        #expect(try scenario.calls().allSatisfy { $0.region == "us-west-2" })
        let exchange = try scenario.fakes.requests("sts")
        #expect(exchange.count == 1)
        #expect(exchange.first?.form?["RoleArn"] == MetadataFakes.roleArn)
        #expect(exchange.first?.form?["RoleSessionName"] == "gitlab-job-42")
        #expect(exchange.first?.form?["WebIdentityToken"] == MetadataFakes.webIdentityToken)
    }

    @Test func webIdentityRefusalIsACredentialsFailure() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("oidc/token", "not-the-expected-token")
        let result = try scenario.run(
            ["check"],
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ENDPOINT_URL_STS": scenario.fakes.url,
            ])
        #expect(result.status == 77)
        #expect(result.combined.contains("InvalidIdentityToken"))
        #expect(!result.combined.contains("not-the-expected-token"))
        #expect(try scenario.calls().isEmpty, "nothing is sent to the service without credentials")
    }

    @Test func unreachableSTSIsUnverifiableWithinTheRunTimeout() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        try scenario.fakes.addFaults([["target": "sts", "kind": "status", "status": 503, "count": -1]])
        let started = Date()
        let result = try scenario.run(
            ["check", "--timeout", "3"],
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ENDPOINT_URL_STS": scenario.fakes.url,
            ])
        #expect(result.status == 69, "a 5xx from STS is an outage, not a rejection: \(result.combined)")
        #expect(result.combined.contains("STS AssumeRoleWithWebIdentity"))
        #expect(Date().timeIntervalSince(started) < 6)
    }

    @Test func sharedCredentialsFileDefaultProfile() throws {
        let scenario = try AWSScenario()
        try scenario.writeHome(
            ".aws/credentials",
            "[default]\naws_access_key_id = \(Emulator.accessKey)\naws_secret_access_key = \(Emulator.secretKey)\n")
        try scenario.writeHome(".aws/config", "[default]\nregion = us-west-2\n")
        let result = try scenario.run(["check"])
        try expectSignedCalls(scenario, result, accessKey: Emulator.accessKey, withToken: false)
        #expect(
            try scenario.calls().allSatisfy { $0.region == "us-west-2" },
            "the profile's region feeds the endpoint resolver")
    }

    @Test func profileFlagOutranksEnvironmentKeysAndUsesCustomFilePaths() throws {
        let scenario = try AWSScenario()
        let credentials = try scenario.writeHome(
            "elsewhere/creds",
            """
            [ci]
            aws_access_key_id = \(Emulator.sessionAccessKey)
            aws_secret_access_key = \(Emulator.sessionSecretKey)
            aws_session_token = \(Emulator.sessionToken)
            """)
        let config = try scenario.writeHome("elsewhere/config", "[profile ci]\nregion = us-east-1\n")
        var environment = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]
        environment["AWS_ACCESS_KEY_ID"] = "AKIAWRONGWRONGWRONG1"
        environment["AWS_SECRET_ACCESS_KEY"] = "wrong"
        let result = try scenario.run(["check", "--profile", "ci"], environment)
        try expectSignedCalls(scenario, result, accessKey: Emulator.sessionAccessKey)
        try scenario.emulator.clearRequests()
        let viaVariable = try scenario.run(["check"], environment.merging(["AWS_PROFILE": "ci"]) { $1 })
        #expect(
            viaVariable.status == 77,
            "AWS_PROFILE does not outrank environment keys (botocore): the wrong keys are used and rejected")
    }

    @Test func credentialProcessRunsWithoutAShell() throws {
        let process = FakeCredential(
            "ASIAVLFAKEPROCESS001", "fakeSecret/process/K7MDENGbPxRfiCY", "FakeSessionToken-process-IQoJb3JpZ2lu")
        let scenario = try AWSScenario(extraCredentials: [process])
        let marker = scenario.home.path + "/helper-args"
        let helper = try scenario.writeHome(
            "bin/creds helper",
            """
            #!/bin/sh
            printf '%s|' "$@" > '\(marker)'
            printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "2099-01-01T00:00:00Z"}' \
              '\(process.accessKeyId)' '\(process.secretAccessKey)' '\(process.sessionToken)'
            """, executable: true)
        try scenario.writeHome(
            ".aws/config", "[profile tool]\ncredential_process = \"\(helper)\" --account 'a b' $HOME;echo\n")
        let result = try scenario.run(["check", "--profile", "tool"])
        try expectSignedCalls(scenario, result, accessKey: process.accessKeyId)
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "--account|a b|$HOME;echo|")
    }

    @Test func assumeRoleFromASourceProfile() throws {
        let scenario = try AWSScenario(assumeRoleSourceKeys: [Emulator.accessKey])
        try scenario.writeHome(
            ".aws/credentials",
            "[base]\naws_access_key_id = \(Emulator.accessKey)\naws_secret_access_key = \(Emulator.secretKey)\n")
        try scenario.writeHome(
            ".aws/config",
            """
            [profile deploy]
            role_arn = \(MetadataFakes.roleArn)
            source_profile = base
            role_session_name = laptop-session
            external_id = ext-123
            """)
        let result = try scenario.run(["check"], ["AWS_PROFILE": "deploy", "AWS_ENDPOINT_URL_STS": scenario.fakes.url])
        try expectSignedCalls(scenario, result, accessKey: MetadataFakes.assumeRole[0].accessKeyId)
        let exchange = try scenario.fakes.requests("sts")
        #expect(exchange.first?.action == "AssumeRole")
        #expect(
            exchange.first?.signedBy == Emulator.accessKey, "AssumeRole is SigV4-signed with the source profile's keys")
        #expect(exchange.first?.form?["ExternalId"] == "ext-123")
        #expect(exchange.first?.form?["RoleSessionName"] == "laptop-session")
    }

    @Test func webIdentityFromAProfile() throws {
        let scenario = try AWSScenario()
        try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        try scenario.writeHome(
            ".aws/config", "[default]\nrole_arn = \(MetadataFakes.roleArn)\nweb_identity_token_file = ~/oidc/token\n")
        let result = try scenario.run(["check"], ["AWS_ENDPOINT_URL_STS": scenario.fakes.url])
        try expectSignedCalls(scenario, result, accessKey: MetadataFakes.sts[0].accessKeyId)
    }

    @Test func containerCredentialsWithATokenFile() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("eks/token", MetadataFakes.containerToken)
        let result = try scenario.run(
            ["check"],
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": scenario.fakes.url + "/container/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            ])
        try expectSignedCalls(scenario, result, accessKey: MetadataFakes.container[0].accessKeyId)
        #expect(
            try scenario.fakes.requests("container").map { $0.headers["authorization"] } == [
                MetadataFakes.containerToken
            ])
    }

    @Test func containerFullURIMustBeLocalOrHTTPS() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(["check"], ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://creds.example.com/v1"])
        #expect(result.status == 77)
        #expect(result.combined.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https"))
    }

    @Test func ec2InstanceMetadataV2() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(
            ["check"], ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": scenario.fakes.url])
        try expectSignedCalls(scenario, result, accessKey: MetadataFakes.imds[0].accessKeyId)
        #expect(try scenario.fakes.requests().map(\.target) == ["imds-token", "imds-role", "imds-credentials"])
    }

    @Test func sourcesAreTriedInSDKOrder() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        try scenario.writeHome(
            ".aws/credentials",
            "[default]\naws_access_key_id = \(Emulator.sessionAccessKey)\naws_secret_access_key = \(Emulator.sessionSecretKey)\naws_session_token = \(Emulator.sessionToken)\n"
        )
        let fakes = try scenario.fakes.url
        let imds = ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes]
        let container = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes + "/container/x",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": MetadataFakes.containerToken,
        ]
        let webIdentity = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
            "AWS_ENDPOINT_URL_STS": fakes,
        ]
        let layers: [([String: String], String)] = [
            (
                scenario.staticKeys.merging(webIdentity) { $1 }.merging(container) { $1 }.merging(imds) { $1 },
                Emulator.accessKey
            ),
            (webIdentity.merging(container) { $1 }.merging(imds) { $1 }, MetadataFakes.sts[0].accessKeyId),
            (container.merging(imds) { $1 }, Emulator.sessionAccessKey),
        ]
        for (environment, winner) in layers {
            try scenario.emulator.clearRequests()
            let result = try scenario.run(["check"], environment)
            #expect(result.status == 0, "\(result.combined)")
            #expect(try scenario.calls().map(\.accessKeyId) == [winner])
        }
        try FileManager.default.removeItem(atPath: scenario.home.path + "/.aws/credentials")
        for (environment, winner) in [
            (container.merging(imds) { $1 }, MetadataFakes.container[0].accessKeyId),
            (imds, MetadataFakes.imds[0].accessKeyId),
        ] {
            try scenario.emulator.clearRequests()
            let result = try scenario.run(["check"], environment)
            #expect(result.status == 0, "\(result.combined)")
            #expect(try scenario.calls().map(\.accessKeyId) == [winner])
        }
    }

    @Test func noCredentialsAnywhereExits77ListingWhatWasTried() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(["check", "--via", "api"])
        #expect(result.status == 77)
        #expect(
            result.combined.contains(
                "tried: environment, web identity, shared files, container, EC2 instance metadata"),
            "\(result.combined)")
        // The text says the cause once with the short list; the JSON finding keeps what each source said.
        let json = try scenario.run(["check", "--via", "api", "--format", "json"])
        for tried in [
            "no AWS credentials found", "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
            "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set",
            "shared files: no [default] profile in \(scenario.home.path)/.aws/credentials (missing)",
            "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
            "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED",
        ] {
            #expect(json.stdout.contains(tried), "missing \(tried.debugDescription) in \(json.stdout)")
        }
        #expect(try scenario.calls().isEmpty)
        let warned = try scenario.run(["check", "--via", "api", "--on-error", "warn"])
        #expect(warned.status == 0, "--on-error warn turns 77 into 0")
    }

    @Test func namedProfileThatDoesNotExist() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(["check", "--profile", "missing"], scenario.staticKeys)
        #expect(result.status == 77)
        #expect(result.combined.contains("profile \"missing\" (from --profile) is not in"))
    }

    @Test func brokenSharedFilesAreConfigurationErrors() throws {
        let scenario = try AWSScenario()
        let config = try scenario.writeHome(".aws/config", "[default]\nregion us-east-1\n")
        let result = try scenario.run(["check"], scenario.staticKeys)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(config):2"))
    }

    /// Short-lived credentials (1 s here) are refreshed between calls of a long run, from the same source.
    @Test func expiringCredentialsAreRefreshedDuringARun() throws {
        let scenario = try AWSScenario(repositories: ["app", "later"], expiresIn: ["imds": 1])
        try scenario.emulator.addFaults([["kind": "slow", "repository": "app", "delayMs": 1500]])
        let result = try scenario.run(
            ["check", "--concurrency", "1"],
            ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": scenario.fakes.url])
        #expect(result.status == 0, "\(result.combined)")
        let calls = try scenario.calls()
        #expect(calls.count == 2 && calls.allSatisfy(\.signatureValid))
        #expect(
            Set(calls.map { $0.accessKeyId ?? "" }) == Set(MetadataFakes.imds.map(\.accessKeyId)),
            "the second call used the refreshed credentials")
        #expect(try scenario.fakes.requests("imds-credentials").count == 2)
    }

    /// The service says the token expired: refresh once from the same source and resend.
    @Test func anExpiredTokenAnswerTriggersARefresh() throws {
        let scenario = try AWSScenario()
        try scenario.emulator.addFaults([["kind": "expired-token"]])
        let result = try scenario.run(
            ["check"],
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": scenario.fakes.url + "/container/x",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": MetadataFakes.containerToken,
            ])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try scenario.calls().map(\.accessKeyId) == MetadataFakes.container.map(\.accessKeyId))
        #expect(try scenario.fakes.requests("container").count == 2)
    }
}
