import Foundation

/// A throwaway git repository for end-to-end tests; every command runs with a clean, fixed identity.
public final class GitFixture {
    public let directory: TemporaryDirectory
    public var path: String { directory.path }

    public init(bare: Bool = false) throws {
        directory = try TemporaryDirectory(prefix: "vl-repo")
        try git(bare ? ["init", "-q", "--bare", "-b", "main"] : ["init", "-q", "-b", "main"])
    }

    /// Environment for git and the tool: no user config, deterministic identity.
    public static var baseEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys
        where key.hasPrefix("AWS_") || key.hasPrefix("GIT_") || key.hasPrefix("GITHUB_") || key.hasPrefix("GITLAB_")
            || key.hasPrefix("CI_") || key == "CI" || key.hasPrefix("VERIFY_LAYERS_") || key.hasPrefix("PRE_COMMIT_")
        {
            env.removeValue(forKey: key)
        }
        // Never ask a real instance metadata service from a test (tests that want IMDS point it at a loopback fake).
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        // Tests that predate manifest checks publish layers only; manifest tests set this back to "" (the config decides).
        env["VERIFY_LAYERS_CHECK_MANIFESTS"] = "off"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_AUTHOR_NAME"] = "Test"
        env["GIT_AUTHOR_EMAIL"] = "test@example.com"
        env["GIT_COMMITTER_NAME"] = "Test"
        env["GIT_COMMITTER_EMAIL"] = "test@example.com"
        env["HOME"] = FileManager.default.temporaryDirectory.path
        env["NO_COLOR"] = "1"
        return env
    }

    @discardableResult
    public func git(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws
        -> ProcessResult
    {
        let result = try Shell.run(
            ["git"] + arguments, cwd: path, environment: GitFixture.baseEnvironment.merging(environment) { $1 },
            stdin: stdin)
        guard result.status == 0 else {
            throw ShellError("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    public func write(_ relativePath: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    public func write(_ files: [String: Data]) throws {
        for (relativePath, data) in files { try write(relativePath, data) }
    }

    public func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + relativePath)
    }

    /// Stages everything and commits; returns the new commit id.
    @discardableResult
    public func commitAll(_ message: String = "commit") throws -> String {
        try git(["add", "-A"])
        try git(["commit", "-q", "--allow-empty", "-m", message])
        return try git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the built verify-layers binary in this repository.
    public func verifyLayers(
        _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil, timeout: TimeInterval = 60
    ) throws -> ProcessResult {
        try Shell.run(
            [PackagePaths.binary] + arguments, cwd: path,
            environment: GitFixture.baseEnvironment.merging(environment) { $1 },
            stdin: stdin, timeout: timeout)
    }

    /// Builds an image with umoci (a real tool) at `dir` with the given files in one layer; returns the layout's blob digests
    /// as (config, layers). Requires the `umoci` Debian package.
    public func umociImage(at dir: String, tag: String = "latest", files: [String: String]) throws -> (
        config: String, layers: [String], manifest: String
    ) {
        let layout = path + "/" + dir
        try Shell.run(["umoci", "init", "--layout", layout])
        try Shell.run(["umoci", "new", "--image", "\(layout):\(tag)"])
        let bundle = try TemporaryDirectory(prefix: "vl-bundle")
        let bundlePath = bundle.path + "/b"
        try Shell.run(["umoci", "unpack", "--rootless", "--image", "\(layout):\(tag)", bundlePath])
        for (name, content) in files {
            let url = URL(fileURLWithPath: bundlePath + "/rootfs/" + name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        let repack = try Shell.run(["umoci", "repack", "--image", "\(layout):\(tag)", bundlePath])
        guard repack.status == 0 else { throw ShellError("umoci repack failed: \(repack.stderr)") }
        return try layoutDigests(dir)
    }

    /// Reads (config, layers, manifest) of the first image in a layout on disk.
    public func layoutDigests(_ dir: String) throws -> (config: String, layers: [String], manifest: String) {
        let layout = path + "/" + dir
        let index =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json")))
            as? [String: Any]
        guard let manifests = index?["manifests"] as? [[String: Any]],
            let manifestDigest = manifests.last?["digest"] as? String
        else {
            throw ShellError("no manifest in \(dir)/index.json")
        }
        let manifestData = try Data(
            contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + manifestDigest.dropFirst(7)))
        let manifest = try JSONSerialization.jsonObject(with: manifestData) as? [String: Any]
        let config = (manifest?["config"] as? [String: Any])?["digest"] as? String ?? ""
        let layers = (manifest?["layers"] as? [[String: Any]])?.compactMap { $0["digest"] as? String } ?? []
        return (config, layers, manifestDigest)
    }

    /// Sets the image name annotation of every index entry (umoci writes only the tag).
    public func annotateName(_ dir: String, name: String) throws {
        let url = URL(fileURLWithPath: path + "/" + dir + "/index.json")
        guard var index = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
            var manifests = index["manifests"] as? [[String: Any]]
        else { throw ShellError("bad index.json in \(dir)") }
        for position in manifests.indices {
            var annotations = manifests[position]["annotations"] as? [String: String] ?? [:]
            annotations["io.containerd.image.name"] = name
            manifests[position]["annotations"] = annotations
        }
        index["manifests"] = manifests
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys]).write(to: url)
    }

    /// The size in bytes of a blob in a layout on disk.
    public func blobSize(_ dir: String, _ digest: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(
            atPath: path + "/" + dir + "/blobs/sha256/" + digest.dropFirst(7))
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
