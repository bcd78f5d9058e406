import Foundation

/// One request the emulator logged.
public struct EmulatorRequest: Decodable, Sendable {
    public var operation: String?
    public var registryId: String?
    public var repositoryName: String?
    public var layerDigests: [String]?
    public var signatureValid: Bool
    public var signatureError: String?
    public var sessionTokenSigned: Bool?
    public var status: Int
    public var fault: String?
    /// Registry-flavour requests: the HTTP method and path, and how many requests were in flight when it arrived.
    public var method: String?
    public var path: String?
    public var inFlight: Int?
    /// The TCP connection the call came on, numbered in the order the emulator accepted them.
    public var connection: Int?
    /// Token requests: whether they came with a GetAuthorizationToken login (authenticated pulls).
    public var authenticated: Bool?
    public var accessKeyId: String?
}

/// The project's ECR Public emulator (Tests/emulator), started on a free loopback port for one test.
public final class Emulator {
    public static let accessKey = "AKIAVLTESTEXAMPLE001"
    public static let secretKey = "vlTestSecretKey/K7MDENG/bPxRfiCYEXAMPLEKEY"
    public static let sessionAccessKey = "ASIAVLTESTSESSION001"
    public static let sessionSecretKey = "vlSessionSecret/K7MDENG/bPxRfiCYSESSIONKEY"
    public static let sessionToken = "FwoGZXIvYXdzEVLTESTSESSIONTOKEN//////////wEaDEXAMPLE"

    private let process: Process
    private let directory: TemporaryDirectory
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Environment that makes verify-layers (or the AWS CLI) talk to this emulator with valid credentials.
    public var environment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": Emulator.accessKey,
            "AWS_SECRET_ACCESS_KEY": Emulator.secretKey,
            "AWS_ENDPOINT_URL_ECR_PUBLIC": url,
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ]
    }

    /// Starts the emulator with `repositories[registry][repository] = [digest: size]`.
    public convenience init(
        registry: String = "demo", registryId: String = "123456789012", repositories: [String: [String: Int64]] = [:],
        missingStyle: String = "failure", latencyMs: Int = 0
    ) throws {
        var repos: [String: Any] = [:]
        for (name, layers) in repositories {
            repos[name] = ["layers": layers.mapValues { ["size": $0] }]
        }
        let state: [String: Any] = [
            "credentials": [
                ["accessKeyId": Emulator.accessKey, "secretAccessKey": Emulator.secretKey],
                [
                    "accessKeyId": Emulator.sessionAccessKey, "secretAccessKey": Emulator.sessionSecretKey,
                    "sessionToken": Emulator.sessionToken,
                ],
            ],
            "defaultRegistry": registryId,
            "registries": [
                ["registryId": registryId, "aliases": [registry], "missingStyle": missingStyle, "repositories": repos]
            ],
        ]
        try self.init(state: try JSONSerialization.data(withJSONObject: state), latencyMs: latencyMs)
    }

    public init(state: Data, latencyMs: Int = 0, arguments extra: [String] = []) throws {
        directory = try TemporaryDirectory(prefix: "vl-emulator")
        let statePath = directory.path + "/state.json"
        let portFile = directory.path + "/port"
        try state.write(to: URL(fileURLWithPath: statePath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", PackagePaths.emulatorScript, "--state", statePath, "--port", "0", "--port-file", portFile,
                "--latency-ms", String(latencyMs), "--quiet",
            ] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                found = value
                break
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard let found else {
            process.terminate()
            throw ShellError("the emulator did not start (python3 \(PackagePaths.emulatorScript))")
        }
        port = found
    }

    deinit {
        Emulator.stop(process)
    }

    /// SIGTERM, then SIGKILL if it is still there after a moment: a test must never hang on a child.
    public static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    // MARK: - Control API

    public func requests() throws -> [EmulatorRequest] {
        let data = try control("GET", "requests")
        return try JSONDecoder().decode([EmulatorRequest].self, from: data)
    }

    /// Only the BatchCheckLayerAvailability calls.
    public func batchCalls() throws -> [EmulatorRequest] {
        try requests().filter { $0.operation == "BatchCheckLayerAvailability" }
    }

    public func clearRequests() throws {
        _ = try control("POST", "requests/clear")
    }

    /// Adds fault rules, e.g. `["kind": "throttle", "count": 2]`.
    public func addFaults(_ rules: [[String: Any]]) throws {
        _ = try control("POST", "faults", body: try JSONSerialization.data(withJSONObject: rules))
    }

    public func clearFaults() throws {
        _ = try control("DELETE", "faults")
    }

    /// Adds or removes one layer.
    public func setLayer(repository: String, digest: String, size: Int64, present: Bool, registry: String = "demo")
        throws
    {
        let body: [String: Any] = [
            "registry": registry, "repository": repository, "digest": digest, "size": size, "present": present,
        ]
        _ = try control("POST", "layers", body: try JSONSerialization.data(withJSONObject: body))
    }

    /// Adds (or removes) a published image: a manifest digest with its tags (tags move to it from other images).
    public func setImage(
        repository: String, digest: String, tags: [String] = [], present: Bool = true, registry: String = "demo"
    ) throws {
        let body: [String: Any] = [
            "registry": registry, "repository": repository, "imageDigest": digest, "imageTags": tags,
            "present": present,
        ]
        _ = try control("POST", "images", body: try JSONSerialization.data(withJSONObject: body))
    }

    /// Only the registry-flavour requests (`/v2/…`, `/token/`).
    public func registryRequests() throws -> [EmulatorRequest] {
        try requests().filter { ($0.operation ?? "").hasPrefix("Registry") }
    }

    @discardableResult
    public func control(_ method: String, _ path: String, body: Data? = nil) throws -> Data {
        var arguments = ["curl", "-sS", "--fail", "-X", method, "\(url)/__emulator/\(path)"]
        var input: String?
        if let body {
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
            input = String(decoding: body, as: UTF8.self)
        }
        let result = try Shell.run(arguments, stdin: input, timeout: 30)
        guard result.status == 0 else {
            throw ShellError("emulator control \(method) \(path) failed: \(result.stderr)")
        }
        return Data(result.stdout.utf8)
    }
}
