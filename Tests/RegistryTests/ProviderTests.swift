import Foundation
import TestSupport
import Testing

@testable import Registry

@Suite struct ProcessProviderTests {
    @Test(arguments: [
        ("helper", ["helper"]),
        (
            "/usr/bin/helper --profile dev  --format process",
            ["/usr/bin/helper", "--profile", "dev", "--format", "process"]
        ),
        ("helper 'a b' \"c d\" e\\ f", ["helper", "a b", "c d", "e f"]),
        ("helper \"quote \\\" inside\" 'single \\ kept'", ["helper", "quote \" inside", "single \\ kept"]),
        ("helper '' \"\"", ["helper", "", ""]),
        ("helper $HOME;rm -rf /", ["helper", "$HOME;rm", "-rf", "/"]),
        ("helper \"\\$x\"", ["helper", "\\$x"]),
    ])
    func splitsLikeShlex(line: String, words: [String]) throws {
        #expect(try ProcessCredentialProvider.split(line) == words)
    }

    @Test func unterminatedQuoteIsAnError() {
        #expect(throws: CredentialError.self) { try ProcessCredentialProvider.split("helper 'open") }
    }

    private func provider(
        _ script: String, arguments: String = "", timeout: TimeInterval = 10, in directory: TemporaryDirectoryForTests
    ) -> ProcessCredentialProvider {
        let path = directory.write("helper.sh", "#!/bin/sh\n" + script, executable: true)
        return ProcessCredentialProvider(
            commandLine: "\(path) \(arguments)", profileName: "dev",
            environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path], timeout: timeout)
    }

    @Test func runsWithoutAShellAndReadsTheJSON() throws {
        let directory = try TemporaryDirectoryForTests()
        let marker = directory.path + "/args"
        let helper = provider(
            """
            printf '%s\\n' "$@" > \(marker)
            echo '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "procsecret", "SessionToken": "proctoken", "Expiration": "2030-01-01T00:00:00Z"}'
            """, arguments: "'$HOME' ';' 'a b' `x`", in: directory)
        guard case .found(let credentials) = try helper.resolve() else {
            Issue.record("expected credentials")
            return
        }
        #expect(credentials.accessKeyId == "ASIAPROC" && credentials.sessionToken == "proctoken")
        #expect(credentials.source == "credential_process (profile dev)")
        #expect(credentials.expiration == CredentialDocument.parseDate("2030-01-01T00:00:00Z"))
        // Arguments arrive verbatim: no variable expansion, no command separator, no command substitution.
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "$HOME\n;\na b\n`x`\n")
    }

    @Test func failuresAreClearAndNeverEchoStdout() throws {
        let directory = try TemporaryDirectoryForTests()
        let failing = provider(
            "echo '{\"SecretAccessKey\": \"leaked-secret\"}'; echo 'token expired, run login' >&2; exit 3",
            in: directory)
        #expect {
            try failing.resolve()
        } throws: { error in
            let text = "\(error)"
            return text.contains("exited with 3") && text.contains("token expired, run login")
                && !text.contains("leaked-secret")
        }
        let wrongVersion = provider(
            "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\"}'", in: directory)
        #expect { try wrongVersion.resolve() } throws: { "\($0)".contains("Version") }
        let notJSON = provider("echo 'hello'", in: directory)
        #expect { try notJSON.resolve() } throws: { "\($0)".contains("did not print a JSON object") }
        let missing = ProcessCredentialProvider(
            commandLine: "no-such-helper-vl --x", profileName: "dev", environment: ["PATH": "/nonexistent"])
        #expect { try missing.resolve() } throws: { "\($0)".contains("no-such-helper-vl not found") }
    }

    @Test func aHangingHelperIsStoppedOnTime() throws {
        let directory = try TemporaryDirectoryForTests()
        let hanging = provider("sleep 30", timeout: 0.5, in: directory)
        let started = Date()
        #expect {
            try hanging.resolve()
        } throws: { error in
            (error as? CredentialError)?.transient == true && "\(error)".contains("did not finish within 1 s")
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }
}

@Suite struct SharedFilesProviderTests {
    private func chain(
        config: String = "", credentials: String = "", profile: String? = nil, environment: [String: String] = [:]
    ) throws -> (SharedFilesCredentialProvider, TemporaryDirectoryForTests) {
        let directory = try TemporaryDirectoryForTests()
        var env = environment
        env["AWS_CONFIG_FILE"] = directory.write("config", config)
        env["AWS_SHARED_CREDENTIALS_FILE"] = directory.write("credentials", credentials)
        env["PATH"] = "/usr/bin:/bin"
        let shared = try SharedConfig.load(environment: env, profileFlag: profile)
        let http = HTTPSettings()
        return (
            SharedFilesCredentialProvider(
                config: shared, environment: env, sts: try STSClient(environment: env, region: nil, http: http),
                http: http), directory
        )
    }

    private func found(_ provider: SharedFilesCredentialProvider) throws -> Credentials? {
        if case .found(let credentials) = try provider.resolve() { return credentials }
        return nil
    }

    @Test func credentialsFileThenProcessThenConfigKeys() throws {
        let (both, _) = try chain(
            config: "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n",
            credentials: "[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\naws_session_token = t\n")
        let fromCredentials = try found(both)
        #expect(fromCredentials?.accessKeyId == "AKIDCREDS" && fromCredentials?.sessionToken == "t")
        #expect(fromCredentials?.source == "shared credentials file (profile default)")
        let (configOnly, _) = try chain(
            config: "[profile dev]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n", profile: "dev")
        #expect(try found(configOnly)?.source == "config file (profile dev)")
    }

    @Test func credentialProcessFromTheProfile() throws {
        let directory = try TemporaryDirectoryForTests()
        let helper = directory.write(
            "helper", "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"ASIAFROMPROC\",\"SecretAccessKey\":\"p\"}'\n",
            executable: true)
        let (provider, _) = try chain(config: "[profile ci]\ncredential_process = \(helper) --role ci\n", profile: "ci")
        #expect(try found(provider)?.accessKeyId == "ASIAFROMPROC")
    }

    @Test func missingProfilesExplicitVersusDefault() throws {
        let (implicit, _) = try chain()
        guard case .notConfigured(let why) = try implicit.resolve() else {
            Issue.record("no default profile means not configured")
            return
        }
        #expect(why.contains("no [default] profile"))
        let (explicit, _) = try chain(profile: "nope")
        #expect { try explicit.resolve() } throws: { "\($0)".contains("profile \"nope\" (from --profile) is not in") }
        let (viaVariable, _) = try chain(environment: ["AWS_PROFILE": "nope"])
        #expect { try viaVariable.resolve() } throws: { "\($0)".contains("(from AWS_PROFILE)") }
    }

    @Test func brokenProfilesSayWhy() throws {
        let (partial, _) = try chain(credentials: "[default]\naws_access_key_id = AKIDONLY\n")
        #expect { try partial.resolve() } throws: { "\($0)".contains("aws_access_key_id but no aws_secret_access_key") }
        let (sso, _) = try chain(config: "[profile corp]\nsso_session = corp\nsso_account_id = 1\n", profile: "corp")
        #expect { try sso.resolve() } throws: {
            "\($0)".contains("IAM Identity Center") && "\($0)".contains("has no sso_role_name")
        }
        let (noSession, _) = try chain(
            config: "[profile corp]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n", profile: "corp")
        #expect { try noSession.resolve() } throws: { "\($0)".contains("no [sso-session corp] section") }
        let (bareRole, _) = try chain(config: "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n", profile: "r")
        #expect { try bareRole.resolve() } throws: { "\($0)".contains("neither source_profile") }
        let (loop, _) = try chain(
            config:
                "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
            profile: "a")
        #expect { try loop.resolve() } throws: { "\($0)".contains("loop") && "\($0)".contains("a → b → a") }
        let (mfa, _) = try chain(
            config:
                "[profile m]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = default\nmfa_serial = arn:aws:iam::1:mfa/u\n",
            credentials: "[default]\naws_access_key_id = A\naws_secret_access_key = s\n", profile: "m")
        #expect { try mfa.resolve() } throws: { "\($0)".contains("MFA") }
        let (badSource, _) = try chain(
            config: "[profile s]\nrole_arn = arn:aws:iam::1:role/s\ncredential_source = Laptop\n", profile: "s")
        #expect { try badSource.resolve() } throws: { "\($0)".contains("credential_source \"Laptop\"") }
        let (noKeys, _) = try chain(config: "[profile empty]\nregion = us-east-1\n", profile: "empty")
        guard case .notConfigured(let why) = try noKeys.resolve() else {
            Issue.record("a profile without credentials falls through to the container and IMDS, as in botocore")
            return
        }
        #expect(why.contains("has no aws_access_key_id, credential_process or role_arn"))
    }
}

@Suite struct STSAndMetadataTests {
    @Test func stsEndpointResolution() throws {
        let http = HTTPSettings()
        #expect(
            try STSClient(environment: [:], region: "eu-west-1", http: http).url
                == "https://sts.eu-west-1.amazonaws.com/")
        #expect(
            try STSClient(environment: [:], region: "cn-north-1", http: http).url
                == "https://sts.cn-north-1.amazonaws.com.cn/")
        #expect(try STSClient(environment: [:], region: nil, http: http).url == "https://sts.amazonaws.com/")
        #expect(
            try STSClient(environment: ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"], region: "eu-west-1", http: http).url
                == "https://sts.amazonaws.com/")
        #expect(
            try STSClient(environment: ["AWS_ENDPOINT_URL": "https://all.example"], region: "eu-west-1", http: http).url
                == "https://all.example")
        let specific = try STSClient(
            environment: ["AWS_ENDPOINT_URL": "https://all.example", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9"],
            region: nil, http: http)
        #expect(specific.url == "http://127.0.0.1:9" && specific.source == "AWS_ENDPOINT_URL_STS")
        #expect(throws: EndpointError.self) {
            try STSClient(environment: ["AWS_ENDPOINT_URL_STS": "http://sts.example"], region: nil, http: http)
        }
    }

    @Test func stsXMLIsParsedWithEntities() throws {
        let xml = """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <Credentials>
                  <AccessKeyId>ASIAXML</AccessKeyId>
                  <SecretAccessKey>a&amp;b/c+d</SecretAccessKey>
                  <SessionToken>tok&lt;en&gt;</SessionToken>
                  <Expiration>2030-01-01T00:00:00Z</Expiration>
                </Credentials>
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """
        let credentials = try STSClient.parseCredentials(xml, operation: "AssumeRoleWithWebIdentity", source: "s")
        #expect(credentials.secretAccessKey == "a&b/c+d" && credentials.sessionToken == "tok<en>")
        #expect(credentials.expiration == CredentialDocument.parseDate("2030-01-01T00:00:00Z"))
        #expect(throws: CredentialError.self) { try STSClient.parseCredentials("<html>", operation: "x", source: "s") }
        #expect(throws: CredentialError.self) {
            try STSClient.parseCredentials(
                "<Credentials><AccessKeyId>A</AccessKeyId></Credentials>", operation: "x", source: "s")
        }
        let error = STSClient.parseError(
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bad &quot;token&quot;</Message></Error></ErrorResponse>"
        )
        #expect(error.code == "InvalidIdentityToken" && error.message == "bad \"token\"")
        #expect(STSClient.formEncode("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~")
    }

    @Test func webIdentityNeedsARoleAndAReadableToken() throws {
        let sts = try STSClient(environment: [:], region: nil, http: HTTPSettings())
        guard case .notConfigured = try WebIdentityCredentialProvider(environment: [:], sts: sts).resolve() else {
            Issue.record("no token file means not configured")
            return
        }
        #expect {
            try WebIdentityCredentialProvider(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/x"], sts: sts)
                .resolve()
        } throws: {
            "\($0)".contains("no role ARN")
        }
        #expect {
            try WebIdentityCredentialProvider(
                environment: [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
                ], sts: sts
            ).resolve()
        } throws: { "\($0)".contains("cannot read the web identity token file /nonexistent/token") }
        let name = WebIdentityCredentialProvider.generatedSessionName()
        #expect(name.range(of: #"^[\w+=,.@-]{2,64}$"#, options: .regularExpression) != nil)
    }

    @Test func containerEndpointRules() throws {
        #expect(
            try ContainerCredentialProvider.endpoint(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"])
                == "http://169.254.170.2/v2/credentials/abc")
        #expect(
            try ContainerCredentialProvider.endpoint([
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/y",
            ]) == "http://169.254.170.2/v2/x", "the relative URI wins, as in the SDKs")
        for allowed in [
            "http://127.0.0.1:51679/creds", "http://localhost/x", "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/c",
            "https://creds.example.com/x",
        ] {
            #expect(
                try ContainerCredentialProvider.endpoint(["AWS_CONTAINER_CREDENTIALS_FULL_URI": allowed]) == allowed)
        }
        for refused in ["http://creds.example.com/x", "http://10.0.0.5/creds", "file:///etc/passwd"] {
            #expect(throws: CredentialError.self) {
                try ContainerCredentialProvider.endpoint(["AWS_CONTAINER_CREDENTIALS_FULL_URI": refused])
            }
        }
        #expect(try ContainerCredentialProvider.endpoint([:]) == nil)
    }

    @Test func containerAuthorizationTokenFileWinsAndIsChecked() throws {
        let directory = try TemporaryDirectoryForTests()
        let file = directory.write("token", "from-file\n")
        let provider = ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-env",
            ],
            http: HTTPSettings())
        #expect(try provider.authorizationToken() == "from-file")
        #expect(
            try ContainerCredentialProvider(
                environment: ["AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-env"], http: HTTPSettings()
            ).authorizationToken() == "from-env")
        #expect(throws: CredentialError.self) {
            try ContainerCredentialProvider(
                environment: ["AWS_CONTAINER_AUTHORIZATION_TOKEN": "a\r\nX-Injected: 1"], http: HTTPSettings()
            ).authorizationToken()
        }
        #expect(throws: CredentialError.self) {
            try ContainerCredentialProvider(
                environment: ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent"], http: HTTPSettings()
            ).authorizationToken()
        }
    }

    @Test func imdsEndpointRulesAndSwitches() throws {
        #expect(try IMDSCredentialProvider.endpoint([:]) == "http://169.254.169.254")
        #expect(
            try IMDSCredentialProvider.endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"])
                == "http://[fd00:ec2::254]")
        #expect(
            try IMDSCredentialProvider.endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:8080/"])
                == "http://127.0.0.1:8080")
        #expect(throws: CredentialError.self) {
            try IMDSCredentialProvider.endpoint(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://metadata.example"])
        }
        guard
            case .notConfigured(let why) = try IMDSCredentialProvider(
                environment: ["AWS_EC2_METADATA_DISABLED": "TRUE"], http: HTTPSettings()
            ).resolve()
        else {
            Issue.record("disabled means not configured")
            return
        }
        #expect(why.contains("AWS_EC2_METADATA_DISABLED"))
        let tuned = IMDSCredentialProvider(
            environment: ["AWS_METADATA_SERVICE_TIMEOUT": "2.5", "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "2"],
            http: HTTPSettings())
        #expect(tuned.timeout == 2.5 && tuned.attempts == 2)
        let defaults = IMDSCredentialProvider(environment: [:], http: HTTPSettings())
        #expect(defaults.timeout == 1 && defaults.attempts == 1)
    }
}

/// The providers against the loopback fakes: the exchanges themselves, and how they fail.
@Suite struct ProviderExchangeTests {
    @Test func imdsV2ExchangeSendsTheTokenAndStopsAtOneAttemptPerStep() throws {
        let fakes = try MetadataFakes()
        let provider = IMDSCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url], http: HTTPSettings())
        guard case .found(let credentials) = try provider.resolve() else {
            Issue.record("expected IMDS credentials")
            return
        }
        #expect(credentials.accessKeyId == MetadataFakes.imds[0].accessKeyId)
        #expect(credentials.sessionToken == MetadataFakes.imds[0].sessionToken)
        #expect(credentials.source == "EC2 instance metadata (role \(MetadataFakes.imdsRole))")
        let log = try fakes.requests()
        #expect(log.map(\.target) == ["imds-token", "imds-role", "imds-credentials"])
        #expect(log[0].method == "PUT" && log[0].headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600")
        #expect(
            log[1].headers["x-aws-ec2-metadata-token"] != nil
                && log[1].headers["x-aws-ec2-metadata-token"] == log[2].headers["x-aws-ec2-metadata-token"])

        try fakes.addFaults([["target": "imds-token", "kind": "status", "status": 503]])
        guard case .notConfigured(let why) = try provider.resolve() else {
            Issue.record("no token means IMDS is not there")
            return
        }
        #expect(why.contains("no IMDSv2 token") && why.contains("HTTP 503"))
        try fakes.addFaults([["target": "imds-credentials", "kind": "malformed"]])
        #expect(throws: CredentialError.self) { try provider.resolve() }
    }

    @Test func imdsTimeoutIsShort() throws {
        let fakes = try MetadataFakes()
        try fakes.addFaults([["target": "imds-token", "kind": "stall", "delayMs": 5000]])
        let started = Date()
        let result = try IMDSCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": fakes.url], http: HTTPSettings()
        ).resolve()
        guard case .notConfigured(let why) = result else {
            Issue.record("a silent IMDS means not on EC2")
            return
        }
        #expect(why.contains("timed out after 1 s"))
        #expect(Date().timeIntervalSince(started) < 2.5)
    }

    @Test func containerRetriesServerErrorsButNotRefusals() throws {
        let fakes = try MetadataFakes()
        let environment = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes.url + "/container/v1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": MetadataFakes.containerToken,
        ]
        try fakes.addFaults([["target": "container", "kind": "status", "status": 500]])
        guard
            case .found(let credentials) = try ContainerCredentialProvider(
                environment: environment, http: HTTPSettings()
            ).resolve()
        else {
            Issue.record("expected container credentials after one retry")
            return
        }
        #expect(credentials.accessKeyId == MetadataFakes.container[0].accessKeyId)
        #expect(try fakes.requests("container").count == 2)
        #expect(
            try fakes.requests("container").allSatisfy { $0.headers["authorization"] == MetadataFakes.containerToken })
        let wrongToken = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fakes.url + "/container/v1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer wrong",
        ]
        #expect { try ContainerCredentialProvider(environment: wrongToken, http: HTTPSettings()).resolve() } throws: {
            "\($0)".contains("answered HTTP 401") && !"\($0)".contains("Bearer wrong")
        }
        #expect(try fakes.requests("container").count == 3, "a 401 is not retried")
    }

    @Test func webIdentityExchangeAndRefusal() throws {
        let fakes = try MetadataFakes()
        let directory = try TemporaryDirectoryForTests()
        let tokenFile = directory.write("token", MetadataFakes.webIdentityToken + "\n")
        let environment = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
            "AWS_ENDPOINT_URL_STS": fakes.url,
        ]
        let sts = try STSClient(environment: environment, region: "us-east-1", http: HTTPSettings())
        guard
            case .found(let credentials) = try WebIdentityCredentialProvider(environment: environment, sts: sts)
                .resolve()
        else {
            Issue.record("expected STS credentials")
            return
        }
        #expect(credentials.accessKeyId == MetadataFakes.sts[0].accessKeyId)
        let call = try fakes.requests("sts")[0]
        #expect(call.form?["Action"] == "AssumeRoleWithWebIdentity")
        #expect(
            call.form?["WebIdentityToken"] == MetadataFakes.webIdentityToken,
            "the trailing newline of the file is not sent")
        #expect(call.form?["RoleSessionName"]?.hasPrefix("verify-layers-") == true)
        #expect(call.headers["authorization"] == nil, "AssumeRoleWithWebIdentity is unsigned")

        try fakes.addFaults([["target": "sts", "kind": "status", "status": 400, "code": "InvalidIdentityToken"]])
        #expect { try WebIdentityCredentialProvider(environment: environment, sts: sts).resolve() } throws: { error in
            let text = "\(error)"
            return text.contains("InvalidIdentityToken") && !text.contains(MetadataFakes.webIdentityToken)
                && (error as? CredentialError)?.transient == false
        }
    }
}
