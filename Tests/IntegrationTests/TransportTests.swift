import Foundation
import TestSupport
import Testing

/// Endpoints, TLS trust, proxies and doctor, through the built binary.
@Suite struct TransportTests {
    /// A self-signed certificate for localhost and 127.0.0.1.
    private func certificate(in directory: TemporaryDirectory) throws -> (cert: String, key: String) {
        let cert = directory.path + "/cert.pem"
        let key = directory.path + "/key.pem"
        let result = try Shell.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw ShellError("openssl failed: \(result.stderr)") }
        return (cert, key)
    }

    @Test func plainHTTPToAnythingButLoopbackIsRefusedBeforeAnyConnection() throws {
        let scenario = try AWSScenario()
        for (arguments, environment, source) in [
            (["check", "--endpoint-url", "http://api.ecr-public.us-east-1.amazonaws.com"], [:], "--endpoint-url"),
            (["check"], ["AWS_ENDPOINT_URL_ECR_PUBLIC": "http://10.1.2.3:8080"], "AWS_ENDPOINT_URL_ECR_PUBLIC"),
            (
                ["check"], ["AWS_ENDPOINT_URL_ECR_PUBLIC": "", "AWS_ENDPOINT_URL": "http://proxy.corp:80"],
                "AWS_ENDPOINT_URL"
            ),
            (["doctor"], ["AWS_ENDPOINT_URL_STS": "http://sts.example.com"], "AWS_ENDPOINT_URL_STS"),
        ] as [([String], [String: String], String)] {
            let started = Date()
            let result = try scenario.run(arguments, scenario.staticKeys.merging(environment) { $1 })
            #expect(result.status == 78, "\(arguments) \(environment): \(result.combined)")
            #expect(result.combined.contains("\(source): plain http:// is only allowed to loopback"))
            #expect(Date().timeIntervalSince(started) < 3)
        }
        #expect(try scenario.calls().isEmpty)
    }

    /// `check` starts loading libcurl on another thread as it starts; a run that fails on its options a millisecond
    /// later must still exit cleanly with its error (exiting while OpenSSL initialises crashed), every time.
    @Test func aRunThatFailsAtOnceExitsCleanlyWhileLibcurlLoads() throws {
        let scenario = try AWSScenario()
        let environment = scenario.staticKeys.merging(["AWS_ENDPOINT_URL_ECR_PUBLIC": "http://10.1.2.3:8080"]) { $1 }
        for attempt in 1...30 {
            let result = try scenario.run(["check"], environment)
            #expect(result.status == 78, "attempt \(attempt): \(result.combined)")
            #expect(!result.combined.contains("crashed"), "attempt \(attempt): \(result.combined)")
            if result.status != 78 { break }
        }
    }

    @Test func caBundleIsUsedAndABadOneIsAClearError() throws {
        let directory = try TemporaryDirectory(prefix: "vl-tls")
        let pem = try certificate(in: directory)
        let scenario = try AWSScenario()
        let relay = try MetadataFakes(tls: (pem.cert, pem.key, scenario.emulator.url))
        let tlsPort = try #require(relay.tlsPort)
        let https = scenario.staticKeys.merging(["AWS_ENDPOINT_URL_ECR_PUBLIC": "https://localhost:\(tlsPort)"]) { $1 }

        let trusted = try scenario.run(["check"], https.merging(["AWS_CA_BUNDLE": pem.cert]) { $1 })
        #expect(trusted.status == 0, "\(trusted.combined)")
        #expect(try scenario.calls().allSatisfy(\.signatureValid))
        #expect(try relay.requests("tls-relay").count == 1)

        let untrusted = try scenario.run(["check", "--max-attempts", "1"], https)
        #expect(untrusted.status == 69)
        #expect(untrusted.combined.contains("certificate"), "\(untrusted.combined)")

        let missing = try scenario.run(["check"], https.merging(["AWS_CA_BUNDLE": directory.path + "/nope.pem"]) { $1 })
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("AWS_CA_BUNDLE \(directory.path)/nope.pem: no such file"))

        try scenario.writeHome(".aws/config", "[default]\nca_bundle = \(pem.cert)\n")
        let fromProfile = try scenario.run(["check"], https)
        #expect(fromProfile.status == 0, "the profile's ca_bundle is honoured: \(fromProfile.combined)")
    }

    @Test func httpsProxyTunnelsAndNoProxyBypasses() throws {
        let directory = try TemporaryDirectory(prefix: "vl-tls")
        let pem = try certificate(in: directory)
        let scenario = try AWSScenario()
        let proxy = try MetadataFakes(tls: (pem.cert, pem.key, scenario.emulator.url))
        let tlsPort = try #require(proxy.tlsPort)
        var environment = scenario.staticKeys
        environment["AWS_ENDPOINT_URL_ECR_PUBLIC"] = "https://localhost:\(tlsPort)"
        environment["AWS_CA_BUNDLE"] = pem.cert
        environment["HTTPS_PROXY"] = "http://proxyuser:proxypass@127.0.0.1:\(proxy.port)"
        let result = try scenario.run(["check", "--verbose"], environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(try proxy.requests("proxy-connect").map(\.path) == ["localhost:\(tlsPort)"])
        #expect(
            try proxy.requests("proxy-connect").first?.headers["proxy-authorization"] != nil,
            "curl sent the proxy's credentials")
        #expect(!result.combined.contains("proxypass"))

        let bypassed = try scenario.run(["check"], environment.merging(["NO_PROXY": "localhost"]) { $1 })
        #expect(bypassed.status == 0)
        #expect(try proxy.requests("proxy-connect").count == 1, "NO_PROXY skipped the proxy")
    }

    @Test func plainHTTPProxyForLoopbackEndpoints() throws {
        let scenario = try AWSScenario()
        let result = try scenario.run(
            ["check"], scenario.staticKeys.merging(["http_proxy": "http://127.0.0.1:\(scenario.fakes.port)"]) { $1 })
        #expect(result.status == 0, "\(result.combined)")
        #expect(try scenario.fakes.requests("proxy").count == 1)
        #expect(try scenario.calls().allSatisfy(\.signatureValid), "the signature survives the proxy")
    }

    @Test func doctorReportsWhatARunWouldUse() throws {
        let scenario = try AWSScenario()
        let tokenFile = try scenario.writeHome("oidc/token", MetadataFakes.webIdentityToken)
        try scenario.writeHome(".aws/config", "[default]\nregion = us-west-2\n")
        let result = try scenario.run(
            ["doctor"],
            [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": MetadataFakes.roleArn,
                "AWS_ENDPOINT_URL_STS": scenario.fakes.url,
            ])
        #expect(result.status == 0, "\(result.combined)")
        for line in [
            "endpoint:    \(scenario.emulator.url) (AWS_ENDPOINT_URL_ECR_PUBLIC)",
            "region:      us-west-2 (profile region)",
            "aws files:   \(scenario.home.path)/.aws/credentials (missing), \(scenario.home.path)/.aws/config",
            "credentials: web identity (\(MetadataFakes.roleArn), environment), access key ASIA****XX01, session token present",
            "config:      none (no .verify-layers.yml at HEAD; defaults)",
            "live call:   BatchCheckLayerAvailability public.ecr.aws/demo/app (first image in HEAD: images/app (public.ecr.aws/demo/app:1",
            "ok, layer available",
        ] {
            #expect(result.stdout.contains(line), "missing \(line.debugDescription) in:\n\(result.stdout)")
        }
        #expect(try scenario.calls().count == 1)
    }

    @Test func doctorExitCodesFollowTheFailure() throws {
        let scenario = try AWSScenario()
        let none = try scenario.run(["doctor", "--via", "api"])
        #expect(none.status == 77)
        #expect(none.stdout.contains("credentials: none: no AWS credentials found"))
        #expect(none.stdout.contains("live call:   skipped"))

        try scenario.emulator.addFaults([["kind": "http500", "count": -1]])
        let outage = try scenario.run(["doctor", "--max-attempts", "1"], scenario.staticKeys)
        #expect(outage.status == 69)
        try scenario.emulator.clearFaults()

        let probe = try scenario.run(["doctor", "--repository", "no-such-repo"], scenario.staticKeys)
        #expect(probe.status == 1, "a named repository that does not exist is a finding")
        #expect(probe.stdout.contains("repository-not-found"))

        let outside = try TemporaryDirectory(prefix: "vl-nogit")
        let elsewhere = try Shell.run(
            [PackagePaths.binary, "doctor"], cwd: outside.path,
            environment: GitFixture.baseEnvironment.merging(scenario.base) { $1 }.merging(scenario.staticKeys) { $1 })
        #expect(
            elsewhere.status == 0, "outside a repository doctor probes with a made-up repository: \(elsewhere.combined)"
        )
        #expect(elsewhere.stdout.contains("signature and credentials accepted"))

        let badEndpoint = try scenario.run(["doctor", "--endpoint-url", "http://example.com"], scenario.staticKeys)
        #expect(badEndpoint.status == 78)
    }
}
