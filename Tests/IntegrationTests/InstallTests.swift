import Foundation
import TestSupport
import Testing

private func gitHooksDir(_ fixture: GitFixture, cwd: String? = nil) throws -> String {
    let result = try Shell.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-path", "hooks"], cwd: cwd ?? fixture.path,
        environment: GitFixture.baseEnvironment)
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

private let foreignHook = """
    #!/bin/sh
    # someone else's hook: records its arguments and stdin
    echo "args: $*" > "$(git rev-parse --git-dir)/foreign-ran"
    cat >> "$(git rev-parse --git-dir)/foreign-ran"
    exit ${FOREIGN_EXIT:-0}

    """

/// `install` / `uninstall` and the hook they write (SPEC §1).
@Suite struct InstallTests {
    @Test func installsTheShippedScriptWhereGitLooksAndIsIdempotent() throws {
        let fixture = try GitFixture()
        let first = try fixture.verifyLayers(["install"])
        #expect(first.status == 0, "\(first.combined)")
        let hook = try gitHooksDir(fixture) + "/pre-push"
        let installed = try #require(read(hook))
        #expect(installed == read(PackagePaths.root + "/hooks/pre-push"), "hooks/pre-push ships the installed script")
        #expect(installed.hasPrefix("#!/bin/sh\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: hook)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        let second = try fixture.verifyLayers(["install"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("already installed"))
        #expect(read(hook) == installed)
        let entries = try FileManager.default.contentsOfDirectory(atPath: try gitHooksDir(fixture)).filter {
            $0.hasPrefix("pre-push") && !$0.hasSuffix(".sample")
        }
        #expect(entries == ["pre-push"], "nothing else appeared: \(entries)")
        // POSIX sh: dash parses it.
        #expect(try Shell.run(["dash", "-n", hook]).status == 0)
    }

    @Test func foreignHookIsKeptRunsFirstWithTheSameStdinAndIsRestoredByUninstall() throws {
        let image = TestImage("images/app", seed: "chain")
        let push = try PushFixture(layers: image.blobs, installHook: false)
        let hooks = try gitHooksDir(push.repo)
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        try Data(foreignHook.utf8).write(to: URL(fileURLWithPath: hooks + "/pre-push"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hooks + "/pre-push")
        let install = try push.repo.verifyLayers(["install"])
        #expect(install.status == 0, "\(install.combined)")
        #expect(install.stdout.contains("kept the existing pre-push hook"))
        #expect(read(hooks + "/pre-push.before-verify-layers") == foreignHook)

        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        let head = try push.head()
        let result = try push.git(["push", "origin", "main"])
        #expect(result.status == 0, "\(result.combined)")
        let record = try #require(read(push.repo.path + "/.git/foreign-ran"))
        #expect(record.contains("args: origin \(push.remote.path)"))
        #expect(record.contains("refs/heads/main \(head) refs/heads/main \(String(repeating: "0", count: 40))"))
        #expect(Set(try push.askedDigests()) == image.digests, "and verify-layers ran after it")
        // A failing foreign hook stops the push before verify-layers is asked anything.
        try push.emulator.clearRequests()
        try push.repo.write("x", Data("x".utf8))
        try push.repo.commitAll("x")
        let stopped = try push.git(["push", "origin", "main"], environment: ["FOREIGN_EXIT": "3"])
        #expect(stopped.status != 0)
        #expect(try push.emulator.batchCalls().isEmpty)

        let uninstall = try push.repo.verifyLayers(["uninstall"])
        #expect(uninstall.status == 0)
        #expect(read(hooks + "/pre-push") == foreignHook, "the foreign hook is back")
        #expect(!FileManager.default.fileExists(atPath: hooks + "/pre-push.before-verify-layers"))
        let again = try push.repo.verifyLayers(["uninstall"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("left it alone"))
        #expect(read(hooks + "/pre-push") == foreignHook)
    }

    @Test func coreHooksPathWithAnExistingForeignHookRunsBoth() throws {
        let image = TestImage("images/app", seed: "hookspath")
        let push = try PushFixture(layers: image.blobs, installHook: false)
        try push.repo.git(["config", "core.hooksPath", ".githooks"])
        try push.repo.write(".githooks/pre-push", Data(foreignHook.utf8))
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: push.repo.path + "/.githooks/pre-push")
        #expect(try gitHooksDir(push.repo) == push.repo.path + "/.githooks")
        let install = try push.repo.verifyLayers(["install"])
        #expect(install.status == 0, "\(install.combined)")
        #expect(install.stdout.contains(push.repo.path + "/.githooks/pre-push"))
        #expect(!FileManager.default.fileExists(atPath: push.repo.path + "/.git/hooks/pre-push"))

        try image.write(into: push.repo)
        try push.repo.commitAll("image and hooks")
        let result = try push.git(["push", "origin", "main"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(read(push.repo.path + "/.git/foreign-ran")?.contains("refs/heads/main") == true, "the foreign hook ran")
        #expect(Set(try push.askedDigests()) == image.digests, "verify-layers ran")

        // And a missing layer through the same chain rejects the push.
        let bad = TestImage("images/app", seed: "hookspath-bad")
        try bad.write(into: push.repo)
        try push.repo.commitAll("bad")
        #expect(try push.git(["push", "origin", "main"]).status != 0)
    }

    @Test func refusesToClobberAKeptHookWithoutForce() throws {
        let fixture = try GitFixture()
        let hooks = try gitHooksDir(fixture)
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        try Data("#!/bin/sh\necho new\n".utf8).write(to: URL(fileURLWithPath: hooks + "/pre-push"))
        try Data("#!/bin/sh\necho old\n".utf8).write(to: URL(fileURLWithPath: hooks + "/pre-push.before-verify-layers"))
        let refused = try fixture.verifyLayers(["install"])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("--force"))
        #expect(read(hooks + "/pre-push") == "#!/bin/sh\necho new\n", "untouched")
        #expect(read(hooks + "/pre-push.before-verify-layers") == "#!/bin/sh\necho old\n")
        let forced = try fixture.verifyLayers(["install", "--force"])
        #expect(forced.status == 0, "\(forced.combined)")
        #expect(read(hooks + "/pre-push.before-verify-layers") == "#!/bin/sh\necho new\n")
        #expect(read(hooks + "/pre-push") == read(PackagePaths.root + "/hooks/pre-push"))
    }

    @Test func linkedWorktreeInstallsIntoTheCommonHooksDirectory() throws {
        let fixture = try GitFixture()
        try fixture.commitAll("first")
        let other = try TemporaryDirectory(prefix: "vl-wt")
        try fixture.git(["worktree", "add", "-q", other.path + "/wt"])
        let result = try Shell.run(
            [PackagePaths.binary, "install"], cwd: other.path + "/wt", environment: GitFixture.baseEnvironment)
        #expect(result.status == 0, "\(result.combined)")
        let expected = try gitHooksDir(fixture, cwd: other.path + "/wt") + "/pre-push"
        #expect(
            expected == (fixture.path as NSString).resolvingSymlinksInPath + "/.git/hooks/pre-push"
                || expected == fixture.path + "/.git/hooks/pre-push")
        #expect(FileManager.default.fileExists(atPath: expected))
    }

    @Test func hookWhoseBinaryIsGoneFailsLoudlyNamingIt() throws {
        let push = try PushFixture()
        try push.repo.commitAll("anything")
        let result = try push.git(["push", "origin", "main"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("verify-layers"), "\(result.stderr)")
        #expect(result.stderr.contains("not on your PATH"))
        #expect(try push.remoteRef("refs/heads/main") == nil)
    }

    @Test func outsideARepositoryIsAConfigurationError() throws {
        let directory = try TemporaryDirectory(prefix: "vl-norepo")
        let result = try Shell.run(
            [PackagePaths.binary, "install"], cwd: directory.path,
            environment: GitFixture.baseEnvironment.merging([
                "GIT_CEILING_DIRECTORIES": (directory.path as NSString).deletingLastPathComponent
            ]) { $1 })
        #expect(result.status == 78)
    }

    @Test func makefileIncludeRunsTheCheck() throws {
        let image = TestImage("images/app", seed: "make")
        let push = try PushFixture(layers: image.blobs, installHook: false)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        try push.repo.write("Makefile", Data("include \(PackagePaths.root)/ci-templates/make/verify-layers.mk\n".utf8))
        let env = GitFixture.baseEnvironment.merging(push.environment) { $1 }
        let ok = try Shell.run(["make", "-s", "verify-layers"], cwd: push.repo.path, environment: env)
        #expect(ok.status == 0, "\(ok.combined)")
        #expect(Set(try push.askedDigests()) == image.digests)
        let bad = TestImage("images/app", seed: "make-bad")
        try bad.write(into: push.repo)
        let badCommit = try push.repo.commitAll("bad")
        let failing = try Shell.run(["make", "-s", "verify-layers"], cwd: push.repo.path, environment: env)
        #expect(failing.status != 0)
        let ranged = try Shell.run(
            ["make", "-s", "verify-layers", "VERIFY_LAYERS_RANGE=\(badCommit)~1..\(badCommit)"], cwd: push.repo.path,
            environment: env)
        #expect(ranged.status != 0)
        #expect(ranged.stdout.contains(bad.image.layers[0].digest))
        let missingBinary = try Shell.run(
            ["make", "-s", "verify-layers", "VERIFY_LAYERS=/nonexistent/verify-layers"], cwd: push.repo.path,
            environment: env)
        #expect(missingBinary.status != 0)
        #expect(missingBinary.stderr.contains("verify-layers"))
    }

    @Test(.enabled(if: (try? Shell.run(["shellcheck", "--version"]).status) == 0, "shellcheck is not installed"))
    func shippedHookIsCleanPOSIXShell() throws {
        let result = try Shell.run(["shellcheck", "-s", "sh", PackagePaths.root + "/hooks/pre-push"])
        #expect(result.status == 0, "\(result.combined)")
    }
}
