import Foundation

/// Result of a subprocess.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var combined: String { stdout + stderr }
}

/// Runs programs for tests: git, umoci, skopeo, the built verify-layers binary.
public enum Shell {
    /// Runs `arguments[0]` (looked up in PATH) with a timeout; never hangs a test run.
    @discardableResult
    public static func run(
        _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil, stdin: String? = nil,
        timeout: TimeInterval = 120
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if let environment { process.environment = environment }
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("vl-out-\(UUID().uuidString)")
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("vl-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let outHandle = try FileHandle(forWritingTo: outFile)
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning {
            Emulator.stop(process)
            throw ShellError("timed out after \(timeout)s: \(arguments.joined(separator: " "))")
        }
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        return ProcessResult(status: process.terminationStatus, stdout: out, stderr: err)
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Paths of the package under test.
public enum PackagePaths {
    /// The package root, found from this file's location.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built executable (`VERIFY_LAYERS_BIN` overrides; `swift build` must have run, as `make test` does).
    public static var binary: String {
        if let override = ProcessInfo.processInfo.environment["VERIFY_LAYERS_BIN"], !override.isEmpty {
            return override
        }
        return root + "/.build/debug/verify-layers"
    }

    public static var emulatorScript: String { root + "/Tests/emulator/ecr_public_emulator.py" }
}

/// A scratch directory removed when the value is released.
public final class TemporaryDirectory {
    public let path: String

    public init(prefix: String = "vl-test") throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
