import Foundation

/// The CNCF distribution registry (Debian `docker-registry`) on a free loopback port with its own temporary storage,
/// open or with token auth: the real OCI registry the registry way is tested against.
public final class DistributionRegistry {
    public static let binary = "/usr/bin/docker-registry"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Token auth settings: the token server's realm, and the certificate whose key signs its JWTs.
    public struct TokenAuth {
        public var realm: String
        public var service: String
        public var issuer: String
        public var certificatePath: String

        public init(
            realm: String, service: String = "public.ecr.aws", issuer: String = "verify-layers-emulator",
            certificatePath: String
        ) {
            self.realm = realm
            self.service = service
            self.issuer = issuer
            self.certificatePath = certificatePath
        }
    }

    private var process: Process?
    private let directory: TemporaryDirectory
    /// Blobs and manifests live here; a second registry started on it serves the same content.
    public let storage: String
    public private(set) var port = 0
    public var url: String { "http://127.0.0.1:\(port)" }
    public var host: String { "127.0.0.1:\(port)" }
    private var logPath: String { directory.path + "/registry.log" }

    /// Starts a registry; `storage` reuses another registry's content (e.g. pushed while open, then served with auth).
    public init(storage: String? = nil, tokenAuth: TokenAuth? = nil) throws {
        directory = try TemporaryDirectory(prefix: "vl-registry")
        self.storage = storage ?? directory.path + "/storage"
        try start(tokenAuth: tokenAuth)
    }

    private func start(tokenAuth: TokenAuth?) throws {
        port = try Self.freePort()
        var config = """
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        if let tokenAuth {
            config += """

                auth:
                  token:
                    realm: \(tokenAuth.realm)
                    service: \(tokenAuth.service)
                    issuer: \(tokenAuth.issuer)
                    rootcertbundle: \(tokenAuth.certificatePath)
                """
        }
        let configPath = directory.path + "/config.yml"
        try Data((config + "\n").utf8).write(to: URL(fileURLWithPath: configPath))
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", configPath]
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let probe = try Shell.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(url)/v2/"], timeout: 5)
            if ["200", "401"].contains(probe.stdout) { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Emulator.stop(process)
        throw ShellError(
            "docker-registry did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    deinit {
        if let process { Emulator.stop(process) }
    }

    /// Stops the server (its storage stays, for another registry to serve).
    public func stop() {
        if let process { Emulator.stop(process) }
        process = nil
    }

    /// Pushes an image with skopeo: `source` is `oci:<layout>[:<ref name>]`, `destination` is `<alias>/<repo>:<tag>`.
    public func push(_ source: String, to destination: String) throws {
        let result = try Shell.run(
            ["skopeo", "copy", "-q", "--dest-tls-verify=false", source, "docker://\(host)/\(destination)"], timeout: 120
        )
        guard result.status == 0 else { throw ShellError("skopeo copy \(source) failed: \(result.stderr)") }
    }

    public func deleteBlob(_ name: String, digest: String) throws {
        try delete("\(url)/v2/\(name)/blobs/\(digest)")
    }

    /// Deleting a manifest by digest also removes the tags that point at it.
    public func deleteManifest(_ name: String, digest: String) throws {
        try delete("\(url)/v2/\(name)/manifests/\(digest)")
    }

    private func delete(_ target: String) throws {
        let result = try Shell.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", target], timeout: 30)
        guard result.stdout == "202" else { throw ShellError("DELETE \(target) answered \(result.stdout)") }
    }

    /// The access-log request lines (`HEAD /v2/acme/app/blobs/sha256:… HTTP/1.1`), in order.
    public func requestLines() -> [String] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("127.0.0.1 - "), let open = line.firstIndex(of: "\""),
                let close = line[line.index(after: open)...].firstIndex(of: "\"")
            else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    /// A port nobody listens on right now (bound and released; the registry takes it a moment later).
    static func freePort() throws -> Int {
        let result = try Shell.run([
            "python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ])
        guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ShellError("no free port")
        }
        return port
    }

    /// A self-signed RSA certificate and its key (PEM), generated with openssl, for token auth tests.
    public static func makeTokenKeyPair(in directory: String) throws -> (key: String, certificate: String) {
        let key = directory + "/token-key.pem"
        let certificate = directory + "/token-cert.pem"
        let result = try Shell.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=verify-layers test token issuer",
        ])
        guard result.status == 0 else { throw ShellError("openssl failed: \(result.stderr)") }
        return (key, certificate)
    }
}
