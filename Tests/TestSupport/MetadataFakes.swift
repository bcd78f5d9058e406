import Foundation

/// Temporary credentials a fake hands out; the same values are loaded into the emulator so the final signed call verifies.
public struct FakeCredential: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String

    public init(_ accessKeyId: String, _ secretAccessKey: String, _ sessionToken: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    var json: [String: Any] {
        ["accessKeyId": accessKeyId, "secretAccessKey": secretAccessKey, "sessionToken": sessionToken]
    }

    /// The two generations a source hands out (first fetch, then every refresh), distinct and recognisable in output.
    static func generations(_ tag: String) -> [FakeCredential] {
        (1...2).map { generation in
            let padded = tag.uppercased().padding(toLength: 8, withPad: "X", startingAt: 0)
            return FakeCredential(
                "ASIAVLFAKE\(padded)0\(generation)", "fakeSecret/\(tag)/\(generation)/K7MDENGbPxRfiCY",
                "FakeSessionToken-\(tag)-\(generation)-IQoJb3JpZ2luX2VjEXAMPLE//////////")
        }
    }
}

/// One request a fake logged (STS, container, IMDS, proxy, TLS relay).
public struct FakeRequest: Decodable, Sendable {
    public var target: String
    public var method: String
    public var path: String
    public var headers: [String: String]
    public var form: [String: String]?
    public var action: String?
    public var signedBy: String?
    public var fault: String?
}

/// The loopback fakes of STS, the container credentials endpoint and IMDSv2 (`Tests/fakes/aws_metadata_fakes.py`).
public final class MetadataFakes {
    public static let sts = FakeCredential.generations("sts")
    public static let assumeRole = FakeCredential.generations("role")
    public static let container = FakeCredential.generations("ecs")
    public static let imds = FakeCredential.generations("imds")
    public static let sso = FakeCredential.generations("sso")
    /// The IAM Identity Center access token the fake portal accepts, and the account and role it hands credentials for.
    public static let ssoToken = "aoaFakeSSOAccessToken-vl-tests-AAAAAEXAMPLE"
    public static let ssoAccount = "123456789012"
    public static let ssoRole = "VLDeveloper"
    public static let webIdentityToken = "eyJhbGciOiJSUzI1NiJ9.fake-web-identity-token-for-vl-tests.c2lnbmF0dXJl"
    public static let containerToken = "Bearer fake-container-authorization-token-vl"
    public static let imdsRole = "vl-runner-role"
    public static let roleArn = "arn:aws:iam::123456789012:role/vl-ci-role"

    /// Every secret the fakes can hand out or require: none may ever appear in the tool's output.
    public static var secrets: [String] {
        (sts + assumeRole + container + imds + sso).flatMap { [$0.secretAccessKey, $0.sessionToken] } + [
            webIdentityToken, containerToken, ssoToken,
        ]
    }

    private let process: Process
    private let directory: TemporaryDirectory
    public let port: Int
    /// The TLS relay's port when started with `tlsUpstream`.
    public let tlsPort: Int?
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the fakes; `expiresIn` seconds until the handed-out credentials expire (per source keys allowed:
    /// `sts`, `assumeRole`, `container`, `imds`). With `tls`, a TLS listener relays to `tls.upstream`.
    public init(
        expiresIn: [String: Double] = [:], assumeRoleSourceKeys: [String] = [],
        tls: (cert: String, key: String, upstream: String)? = nil
    ) throws {
        directory = try TemporaryDirectory(prefix: "vl-fakes")
        var expires: [String: Double] = ["sts": 3600, "assumeRole": 3600, "container": 3600, "imds": 3600, "sso": 3600]
        expires.merge(expiresIn) { $1 }
        let config: [String: Any] = [
            "sts": Self.sts.map(\.json), "assumeRole": Self.assumeRole.map(\.json),
            "container": Self.container.map(\.json),
            "imds": Self.imds.map(\.json), "sso": Self.sso.map(\.json), "ssoToken": Self.ssoToken,
            "ssoAccount": Self.ssoAccount,
            "ssoRole": Self.ssoRole, "expiresIn": expires, "webIdentityToken": Self.webIdentityToken,
            "containerToken": Self.containerToken, "imdsRole": Self.imdsRole,
            "assumeRoleSourceKeys": assumeRoleSourceKeys,
        ]
        let configPath = directory.path + "/config.json"
        let portFile = directory.path + "/port"
        let tlsPortFile = directory.path + "/tls-port"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = [
            "python3", PackagePaths.root + "/Tests/fakes/aws_metadata_fakes.py", "--config", configPath, "--port-file",
            portFile,
        ]
        if let tls {
            arguments += [
                "--tls-cert", tls.cert, "--tls-key", tls.key, "--tls-upstream", tls.upstream, "--tls-port-file",
                tlsPortFile,
            ]
        }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func readPort(_ path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while Date() < deadline, process.isRunning {
            if let value = readPort(portFile), tls == nil || readPort(tlsPortFile) != nil {
                found = value
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard let found else {
            Emulator.stop(process)
            throw ShellError("the AWS metadata fakes did not start")
        }
        port = found
        tlsPort = tls == nil ? nil : readPort(tlsPortFile)
    }

    deinit {
        Emulator.stop(process)
    }

    public func requests() throws -> [FakeRequest] {
        try JSONDecoder().decode([FakeRequest].self, from: try control("GET", "requests"))
    }

    public func requests(_ target: String) throws -> [FakeRequest] {
        try requests().filter { $0.target == target }
    }

    /// Adds fault rules, e.g. `["target": "sts", "kind": "status", "status": 400, "code": "InvalidIdentityToken"]`.
    public func addFaults(_ rules: [[String: Any]]) throws {
        try control("POST", "faults", body: try JSONSerialization.data(withJSONObject: rules))
    }

    @discardableResult
    public func control(_ method: String, _ path: String, body: Data? = nil) throws -> Data {
        var arguments = ["curl", "-sS", "--noproxy", "*", "--fail", "-X", method, "\(url)/__fakes/\(path)"]
        if body != nil { arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"] }
        let result = try Shell.run(arguments, stdin: body.map { String(decoding: $0, as: UTF8.self) }, timeout: 30)
        guard result.status == 0 else { throw ShellError("fakes control \(method) \(path) failed: \(result.stderr)") }
        return Data(result.stdout.utf8)
    }

    /// An emulator state holding `repositories` and every credential the tests use: the emulator's own static and session
    /// keys plus everything the fakes hand out, so a call signed with any of them verifies (session tokens included).
    public static func emulatorState(
        registry: String = "demo", registryId: String = "123456789012", repositories: [String: [String: Int64]],
        extra: [FakeCredential] = []
    ) throws -> Data {
        var repos: [String: Any] = [:]
        for (name, layers) in repositories { repos[name] = ["layers": layers.mapValues { ["size": $0] }] }
        let fake = (sts + assumeRole + container + imds + sso + extra).map(\.json)
        let state: [String: Any] = [
            "credentials": [
                ["accessKeyId": Emulator.accessKey, "secretAccessKey": Emulator.secretKey],
                [
                    "accessKeyId": Emulator.sessionAccessKey, "secretAccessKey": Emulator.sessionSecretKey,
                    "sessionToken": Emulator.sessionToken,
                ],
            ] + fake,
            "defaultRegistry": registryId,
            "registries": [
                ["registryId": registryId, "aliases": [registry], "missingStyle": "failure", "repositories": repos]
            ],
        ]
        return try JSONSerialization.data(withJSONObject: state)
    }
}
