import Foundation
import ImageModel
import TestSupport

/// A working repository with a local bare `origin`, the emulator, and the hook installed: real `git push` end to end.
final class PushFixture {
    let repo: GitFixture
    let remote: GitFixture
    let emulator: Emulator
    /// PATH with the built verify-layers first, as a user's shell would have it.
    let path: String

    init(layers: [String: Int64] = [:], installHook: Bool = true, cacheTTL: String = "0", latencyMs: Int = 0) throws {
        repo = try GitFixture()
        remote = try GitFixture(bare: true)
        emulator = try Emulator(repositories: ["app": layers, "tool": [:]], latencyMs: latencyMs)
        path =
            ((PackagePaths.binary as NSString).deletingLastPathComponent) + ":"
            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        try repo.git(["remote", "add", "origin", remote.path])
        try repo.write(".verify-layers.yml", Data("registry: demo\ncache-ttl: \(cacheTTL)\n".utf8))
        if installHook {
            let result = try repo.verifyLayers(["install"])
            guard result.status == 0 else { throw ShellError("install failed: \(result.combined)") }
        }
    }

    var environment: [String: String] { emulator.environment.merging(["PATH": path]) { $1 } }

    /// Runs git in the working repository without throwing, so a rejected push can be inspected.
    func git(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
        try Shell.run(
            ["git"] + arguments, cwd: repo.path,
            environment: GitFixture.baseEnvironment.merging(environment) { $1 }.merging(extra) { $1 },
            timeout: 60)
    }

    /// The commit a ref of the bare remote points at, nil when it does not exist.
    func remoteRef(_ name: String) throws -> String? {
        let result = try Shell.run(
            ["git", "--git-dir", remote.path, "rev-parse", "--verify", "--quiet", name],
            environment: GitFixture.baseEnvironment)
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    func head(_ name: String = "HEAD") throws -> String {
        try repo.git(["rev-parse", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every digest the emulator was asked about, with repeats.
    func askedDigests() throws -> [String] {
        try emulator.batchCalls().flatMap { $0.layerDigests ?? [] }
    }
}

/// An image with its layout files and digests, for writing into a fixture repository.
struct TestImage {
    let image: FixtureImage
    let files: [String: Data]
    let dir: String

    init(_ dir: String, repository: String = "app", seed: String, layers: Int = 1) {
        self.dir = dir
        image = FixtureImage(layers: (0..<layers).map { FixtureBlob.layer("\(seed)-\($0)") })
        files = LayoutBuilder.files(at: dir, images: [image], name: "public.ecr.aws/demo/\(repository):\(seed)")
    }

    /// Config and layer digests with sizes: what the emulator must hold for this image to pass.
    var blobs: [String: Int64] {
        var all = [image.config.digest: image.config.size]
        for layer in image.layers { all[layer.digest] = layer.size }
        return all
    }

    var digests: Set<String> { Set(blobs.keys) }

    /// Replaces any earlier version at the same path.
    func write(into fixture: GitFixture) throws {
        try? fixture.remove(dir)
        try fixture.write(files)
    }

    func publish(to emulator: Emulator, repository: String = "app") throws {
        for (digest, size) in blobs {
            try emulator.setLayer(repository: repository, digest: digest, size: size, present: true)
        }
    }
}
