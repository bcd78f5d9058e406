import Foundation
import TestSupport
import Testing

/// Every command with `--verbose`, under every credential source, passing and failing: no secret key, session token,
/// web identity token, container token, Authorization header or signature in stdout, stderr or any report file.
@Suite struct SecretsTests {
    enum Source: String, CaseIterable, CustomStringConvertible {
        case environment, webIdentity, profile, credentialProcess, assumeRole, container, imds
        var description: String { rawValue }
    }

    static let process = FakeCredential(
        "ASIAVLFAKEPROCESS002", "fakeSecret/process/2/K7MDENGbPxRfiCY", "FakeSessionToken-process-2-IQoJb3JpZ2lu")

    /// Everything that must never be printed.
    static var secrets: [String] {
        MetadataFakes.secrets + [
            Emulator.secretKey, Emulator.sessionSecretKey, Emulator.sessionToken, process.secretAccessKey,
            process.sessionToken,
        ]
    }

    /// The environment (and HOME files) that make `source` the winning credential source.
    private func configure(_ source: Source, _ scenario: AWSScenario) throws -> [String: String] {
        let fakes = try scenario.fakes.url
        switch source {
        case .environment:
            return [
                "AWS_ACCESS_KEY_ID": Emulator.sessionAccessKey, "AWS_SECRET_ACCESS_KEY": Emulator.sessionSecretKey,
                "AWS_SESSION_TOKEN": Emulator.sessionToken,
            ]
        case .webIdentity:
            let token = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
            return [
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ENDPOINT_URL_STS": fakes,
            ]
        case .profile:
            try scenario.writeHome(
                ".aws/credentials",
                """
                [default]
                aws_access_key_id = \(Emulator.sessionAccessKey)
                aws_secret_access_key = \(Emulator.sessionSecretKey)
                aws_session_token = \(Emulator.sessionToken)
                """)
            return [:]
        case .credentialProcess:
            let helper = try scenario.writeHome(
                "bin/helper",
                """
                #!/bin/sh
                echo "helper diagnostics on stderr" >&2
                printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s","SessionToken":"%s"}' '\(Self.process.accessKeyId)' '\(Self.process.secretAccessKey)' '\(Self.process.sessionToken)'
                """, executable: true)
            try scenario.writeHome(".aws/config", "[default]\ncredential_process = \(helper)\n")
            return [:]
        case .assumeRole:
            try scenario.writeHome(
                ".aws/credentials",
                "[base]\naws_access_key_id = \(Emulator.accessKey)\naws_secret_access_key = \(Emulator.secretKey)\n")
            try scenario.writeHome(
                ".aws/config", "[default]\nrole_arn = \(MetadataFakes.roleArn)\nsource_profile = base\n")
            return ["AWS_ENDPOINT_URL_STS": fakes]
        case .container:
            return [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes + "/container/creds",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": MetadataFakes.containerToken,
            ]
        case .imds:
            return ["AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes]
        }
    }

    /// Fails the test for every secret or signature found in `text`.
    private func expectClean(_ text: String, _ context: String) {
        for secret in Self.secrets {
            #expect(!text.contains(secret), "\(context) leaked \(secret.prefix(12))…")
        }
        for marker in ["Signature=", "AWS4-HMAC-SHA256", "Credential=A"] {
            #expect(!text.contains(marker), "\(context) shows a signature (\(marker))")
        }
        for header in ["authorization", "x-amz-security-token", "x-aws-ec2-metadata-token"] {
            for line in text.components(separatedBy: CharacterSet(charactersIn: "\n;")) {
                guard let range = line.range(of: header + ":", options: .caseInsensitive) else { continue }
                let value = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
                #expect(value.hasPrefix("<redacted>"), "\(context) shows a \(header) header value")
            }
        }
    }

    /// The commands users run, with `--verbose` and every report format written to files; returns the first run (`check`
    /// with reports), the number of report files and of verbose lines. `offline` adds `list`, which makes no calls.
    private func runEverything(
        _ scenario: AWSScenario, _ environment: [String: String], label: String,
        offline: Bool = true
    ) throws -> (check: ProcessResult?, outputs: Int, verboseLines: Int) {
        let reports = try TemporaryDirectory(prefix: "vl-reports")
        var env = environment
        env["GITHUB_STEP_SUMMARY"] = reports.path + "/step-summary.md"
        env["GITHUB_OUTPUT"] = reports.path + "/github-output"
        let head = try scenario.repo.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let zero = String(repeating: "0", count: 40)
        let reportFlags = ["json", "sarif", "junit", "gitlab", "github"].flatMap {
            ["--report", "\($0)=\(reports.path)/report.\($0)"]
        }
        var runs: [([String], String?)] = [
            (["check", "--verbose", "--format", "json"] + reportFlags, nil),
            (["doctor", "--verbose"], nil),
            (["ci", "--verbose"] + reportFlags, nil),
            (
                ["pre-push", "--verbose", "origin", "https://example.com/repo.git"],
                "refs/heads/main \(head) refs/heads/main \(zero)\n"
            ),
        ]
        if offline { runs.append((["list", "--verbose"], nil)) }
        var verboseLines = 0
        var first: ProcessResult?
        for (arguments, stdin) in runs {
            let result = try scenario.run(arguments, env, stdin: stdin)
            if first == nil { first = result }
            expectClean(result.stdout, "\(label) \(arguments.prefix(2).joined(separator: " ")) stdout")
            expectClean(result.stderr, "\(label) \(arguments.prefix(2).joined(separator: " ")) stderr")
            verboseLines += result.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("verify-layers: ") }.count
        }
        var files = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: reports.path) {
            let text = try String(contentsOfFile: reports.path + "/" + name, encoding: .utf8)
            expectClean(text, "\(label) \(name)")
            files += 1
        }
        return (first, files, verboseLines)
    }

    @Test(arguments: Source.allCases)
    func noSecretInAnyOutput(source: Source) throws {
        let scenario = try AWSScenario(extraCredentials: [Self.process], assumeRoleSourceKeys: [Emulator.accessKey])
        let environment = try configure(source, scenario)

        // Passing runs: the source really was used (valid signed calls), and verbose really logged.
        let passing = try runEverything(scenario, environment, label: "\(source) passing")
        let check = try #require(passing.check)
        #expect(check.status == 0, "\(source): \(check.combined)")
        #expect(
            check.stderr.contains("X-Amz-Security-Token: <redacted>"), "the verbose log shows the redacted token header"
        )
        #expect(try scenario.calls().allSatisfy { $0.signatureValid && $0.sessionTokenSigned == true })
        #expect(passing.outputs >= 5, "the report files were written")
        #expect(passing.verboseLines > 3)

        // Failing runs print error paths: rejected keys, an expired token that cannot be renewed, an outage.
        try scenario.emulator.addFaults([
            ["kind": "access-denied", "count": 2], ["kind": "expired-token", "count": 4],
            ["kind": "http500", "count": 6],
        ])
        let failing = try runEverything(
            scenario, environment.merging(["AWS_MAX_ATTEMPTS": "1"]) { $1 }, label: "\(source) failing", offline: false)
        #expect(failing.check?.status != 0)
    }

    @Test func credentialSourceFailuresDoNotLeak() throws {
        let scenario = try AWSScenario()
        try scenario.fakes.addFaults([
            ["target": "sts", "kind": "status", "status": 400, "code": "InvalidIdentityToken", "count": -1],
            ["target": "container", "kind": "malformed", "count": -1],
        ])
        let token = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        let leakyHelper = try scenario.writeHome(
            "bin/leaky",
            """
            #!/bin/sh
            echo '{"Version":1,"AccessKeyId":"ASIALEAK","SecretAccessKey":"\(MetadataFakes.sts[1].secretAccessKey)"' 
            exit 1
            """, executable: true)
        try scenario.writeHome(".aws/config", "[profile leaky]\ncredential_process = \(leakyHelper)\n")
        let fakes = try scenario.fakes.url
        for environment in [
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ENDPOINT_URL_STS": fakes,
            ],
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes + "/container/x",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": MetadataFakes.containerToken,
            ],
            ["AWS_PROFILE": "leaky"],
            // A proxy whose URL carries a password, and that refuses connections.
            [
                "http_proxy": "http://user:\(MetadataFakes.containerToken.dropFirst(7))@127.0.0.1:9",
                "AWS_ACCESS_KEY_ID": Emulator.accessKey,
                "AWS_SECRET_ACCESS_KEY": Emulator.secretKey,
            ],
        ] {
            for command in [["check", "--verbose"], ["doctor", "--verbose"]] {
                let result = try scenario.run(command, environment.merging(["AWS_MAX_ATTEMPTS": "1"]) { $1 })
                #expect(result.status != 0, "\(environment.keys.sorted()): \(result.combined)")
                expectClean(result.combined, "\(environment.keys.sorted()) \(command[0])")
                #expect(!result.combined.contains(String(MetadataFakes.containerToken.dropFirst(7))))
            }
        }
    }
}
