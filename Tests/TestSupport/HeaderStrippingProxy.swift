import Foundation

/// A loopback proxy in front of `upstream` that drops the named response headers (`Tests/fakes/header_stripping_proxy.py`):
/// a registry that answers without `Docker-Content-Digest`, as some mirrors and caches do.
public final class HeaderStrippingProxy {
    private let process: Process
    private let directory: TemporaryDirectory
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    public init(upstream: String, stripping headers: [String]) throws {
        directory = try TemporaryDirectory(prefix: "vl-proxy")
        let portFile = directory.path + "/port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", PackagePaths.root + "/Tests/fakes/header_stripping_proxy.py", "--upstream", upstream,
                "--port-file", portFile,
            ] + headers.flatMap { ["--strip", $0] }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while Date() < deadline, process.isRunning, found == nil {
            found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if found == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard let found else {
            Emulator.stop(process)
            throw ShellError("the header-stripping proxy did not start")
        }
        port = found
    }

    deinit {
        Emulator.stop(process)
    }
}
