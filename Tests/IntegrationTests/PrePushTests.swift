import Foundation
import TestSupport
import Testing

/// Real `git push` to a local bare remote through the installed hook (SPEC §1.1).
@Suite struct PrePushTests {
    @Test func missingLayerRejectsThePushAndTheRemoteRefDoesNotMove() throws {
        let good = TestImage("images/app", seed: "good")
        let bad = TestImage("images/app", seed: "bad")
        let push = try PushFixture(layers: good.blobs)
        try good.write(into: push.repo)
        try push.repo.commitAll("good image")
        let first = try push.git(["push", "-q", "origin", "main"])
        #expect(first.status == 0, "\(first.combined)")
        let before = try push.remoteRef("refs/heads/main")
        #expect(before == (try push.head()))

        try bad.write(into: push.repo)
        try push.repo.commitAll("image with a layer nobody pushed")
        let second = try push.git(["push", "origin", "main"])
        #expect(second.status != 0)
        #expect(second.combined.contains("layer-unavailable"), "\(second.combined)")
        #expect(second.combined.contains(bad.image.layers[0].digest))
        #expect(try push.remoteRef("refs/heads/main") == before, "the remote ref did not move")
        let asked = try push.askedDigests()
        #expect(Set(asked).isSuperset(of: bad.digests))
    }

    @Test func allLayersPresentIsAccepted() throws {
        let image = TestImage("images/app", seed: "ok", layers: 3)
        let push = try PushFixture(layers: image.blobs)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        let result = try push.git(["push", "origin", "main"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try push.remoteRef("refs/heads/main") == (try push.head()))
        #expect(Set(try push.askedDigests()) == image.digests)
    }

    @Test func newBranchCarryingTwoVersionsOfAnImageChecksBoth() throws {
        let v1 = TestImage("images/app", seed: "v1")
        let v2 = TestImage("images/app", seed: "v2")
        let push = try PushFixture(layers: v1.blobs.merging(v2.blobs) { $1 })
        try push.repo.write("README.md", Data("hello".utf8))
        try push.repo.commitAll("start")
        #expect(try push.git(["push", "-q", "origin", "main"]).status == 0)
        #expect(try push.askedDigests().isEmpty, "a commit without image outputs asks nothing")

        try push.repo.git(["checkout", "-q", "-b", "feature"])
        try v1.write(into: push.repo)
        try push.repo.commitAll("v1")
        try v2.write(into: push.repo)
        try push.repo.commitAll("v2")
        let result = try push.git(["push", "origin", "feature"])
        #expect(result.status == 0, "\(result.combined)")
        let asked = try push.askedDigests()
        #expect(Set(asked) == v1.digests.union(v2.digests))
        #expect(asked.count == Set(asked).count, "each digest once")
    }

    @Test func branchAndTagInOnePushAskEachDigestOnce() throws {
        let app = TestImage("images/app", seed: "app", layers: 2)
        let tool = TestImage("images/tool", repository: "tool", seed: "tool")
        let push = try PushFixture(layers: app.blobs)
        try tool.publish(to: push.emulator, repository: "tool")
        try app.write(into: push.repo)
        try tool.write(into: push.repo)
        try push.repo.commitAll("two images")
        try push.repo.git(["checkout", "-q", "-b", "release"])
        try push.repo.write("CHANGELOG", Data("1.0".utf8))
        try push.repo.commitAll("release notes")
        try push.repo.git(["tag", "-a", "-m", "v1", "v1.0"])
        try push.repo.git(["tag", "light", "main"])
        let result = try push.git(["push", "origin", "main", "release", "v1.0", "light"])
        #expect(result.status == 0, "\(result.combined)")
        let asked = try push.askedDigests()
        #expect(Set(asked) == app.digests.union(tool.digests))
        #expect(asked.count == Set(asked).count, "each digest asked once per push: \(asked)")
        #expect(try push.remoteRef("refs/tags/v1.0") != nil)
    }

    @Test func rePushingCommitsTheRemoteHasMakesNoCall() throws {
        let image = TestImage("images/app", seed: "again")
        let push = try PushFixture(layers: image.blobs)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        #expect(try push.git(["push", "-q", "origin", "main"]).status == 0)
        #expect(!(try push.askedDigests()).isEmpty)
        try push.emulator.clearRequests()
        // Same commits under new names: a branch and a tag the remote does not have yet.
        try push.repo.git(["branch", "copy"])
        try push.repo.git(["tag", "v2"])
        let result = try push.git(["push", "origin", "copy", "v2", "main:refs/heads/another"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try push.emulator.batchCalls().isEmpty)
        #expect(
            result.stdout.isEmpty && !result.stderr.contains("verify-layers"),
            "silent when nothing to check: \(result.combined)")
    }

    @Test func deletionMakesNoCall() throws {
        let image = TestImage("images/app", seed: "del")
        let push = try PushFixture(layers: image.blobs)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        #expect(try push.git(["push", "-q", "origin", "main", "main:refs/heads/gone"]).status == 0)
        try push.emulator.clearRequests()
        let result = try push.git(["push", "origin", ":refs/heads/gone"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try push.remoteRef("refs/heads/gone") == nil)
        #expect(try push.emulator.batchCalls().isEmpty)
    }

    /// SPEC §6: the json envelope is the same from pre-push as from check, and --report files are written, also when
    /// the push brings nothing to check (a deletion, or commits the remote has); text stays silent then.
    @Test func aPushWithNothingToCheckStillWritesTheReportsAskedFor() throws {
        let push = try PushFixture()
        try push.repo.write("readme.txt", Data("x".utf8))
        let head = try push.repo.commitAll("no image")
        let zeros = String(repeating: "0", count: 40)
        let report = push.repo.path + "/../nothing.json"
        for line in [
            "(delete) \(zeros) refs/heads/gone \(head)\n", "refs/heads/main \(head) refs/heads/main \(head)\n",
        ] {
            let json = try push.repo.verifyLayers(
                ["pre-push", "origin", "--format", "json", "--report", "junit=\(report)"],
                environment: push.environment, stdin: line)
            #expect(json.status == 0, "\(json.combined)")
            let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(envelope?["version"] as? Int == 1, "\(json.stdout)")
            #expect((envelope?["images"] as? [Any])?.isEmpty == true)
            #expect((envelope?["summary"] as? [String: Any])?["exitCode"] as? Int == 0)
            #expect(try String(contentsOfFile: report, encoding: .utf8).contains("<testsuites"))
            try FileManager.default.removeItem(atPath: report)
            let text = try push.repo.verifyLayers(
                ["pre-push", "origin", "--report", "json=\(report)"], environment: push.environment, stdin: line)
            #expect(text.status == 0 && text.stdout.isEmpty, "\(text.combined)")
            #expect(FileManager.default.fileExists(atPath: report))
            try FileManager.default.removeItem(atPath: report)
        }
        #expect(try push.emulator.batchCalls().isEmpty)
    }

    @Test func noVerifyAndSkipVariableBypassTheCheck() throws {
        let bad = TestImage("images/app", seed: "missing")
        let push = try PushFixture()
        try bad.write(into: push.repo)
        try push.repo.commitAll("bad image")
        #expect(try push.git(["push", "origin", "main"]).status != 0)
        try push.emulator.clearRequests()

        let skipped = try push.git(
            ["push", "origin", "main:refs/heads/skipped"], environment: ["VERIFY_LAYERS_SKIP": "1"])
        #expect(skipped.status == 0, "\(skipped.combined)")
        #expect(skipped.stderr.contains("VERIFY_LAYERS_SKIP"))
        let noVerify = try push.git(["push", "--no-verify", "origin", "main"])
        #expect(noVerify.status == 0, "\(noVerify.combined)")
        #expect(try push.remoteRef("refs/heads/main") == (try push.head()))
        #expect(try push.emulator.batchCalls().isEmpty)
    }

    @Test func pushToAURLWithNoRemoteName() throws {
        let image = TestImage("images/app", seed: "url")
        let push = try PushFixture(layers: image.blobs)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        let result = try push.git(["push", push.remote.path, "main"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(Set(try push.askedDigests()) == image.digests)

        let missing = TestImage("images/app", seed: "url-missing")
        try missing.write(into: push.repo)
        try push.repo.commitAll("missing")
        try push.emulator.clearRequests()
        #expect(try push.git(["push", push.remote.path, "main"]).status != 0)
        // Only the new commit's image: the previous push's commit is the remote's ref.
        #expect(Set(try push.askedDigests()) == missing.digests)
    }

    @Test func shallowCloneCanPush() throws {
        let image = TestImage("images/app", seed: "shallow")
        let push = try PushFixture(layers: image.blobs)
        for index in 0..<3 {
            try push.repo.write("file", Data("\(index)".utf8))
            try push.repo.commitAll("c\(index)")
        }
        #expect(try push.git(["push", "-q", "origin", "main"]).status == 0)
        let clone = try TemporaryDirectory(prefix: "vl-shallow")
        let work = clone.path + "/w"
        try Shell.run(
            ["git", "clone", "-q", "--depth", "1", "file://" + push.remote.path, work],
            environment: GitFixture.baseEnvironment)
        let env = GitFixture.baseEnvironment.merging(push.environment) { $1 }
        #expect(try Shell.run([PackagePaths.binary, "install"], cwd: work, environment: env).status == 0)
        let files = image.files
        for (name, data) in files {
            let url = URL(fileURLWithPath: work + "/" + name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try Shell.run(["git", "add", "-A"], cwd: work, environment: env)
        try Shell.run(["git", "commit", "-q", "-m", "image from a shallow clone"], cwd: work, environment: env)
        let result = try Shell.run(
            ["git", "push", "origin", "HEAD:refs/heads/from-shallow"], cwd: work, environment: env)
        #expect(result.status == 0, "\(result.combined)")
        #expect(Set(try push.askedDigests()) == image.digests)
        // To a fresh remote with no tracking refs the walk runs into the shallow boundary and must stop there.
        try push.emulator.clearRequests()
        let fresh = try GitFixture(bare: true)
        try fresh.git(["config", "receive.shallowUpdate", "true"])
        let toFresh = try Shell.run(["git", "push", fresh.path, "HEAD:refs/heads/main"], cwd: work, environment: env)
        #expect(toFresh.status == 0, "\(toFresh.combined)")
        #expect(Set(try push.askedDigests()) == image.digests)
    }

    @Test func mergePushChecksTheSideBranchVersionOnce() throws {
        let side = TestImage("images/app", seed: "side")
        let push = try PushFixture(layers: side.blobs)
        try push.repo.write("README.md", Data("base".utf8))
        try push.repo.commitAll("base")
        #expect(try push.git(["push", "-q", "origin", "main"]).status == 0)
        try push.repo.git(["checkout", "-q", "-b", "side"])
        try side.write(into: push.repo)
        try push.repo.commitAll("side image")
        try push.repo.git(["checkout", "-q", "main"])
        try push.repo.write("notes", Data("n".utf8))
        try push.repo.commitAll("main work")
        try push.repo.git(["merge", "-q", "--no-edit", "side"])
        let result = try push.git(["push", "origin", "main"])
        #expect(result.status == 0, "\(result.combined)")
        let asked = try push.askedDigests()
        #expect(Set(asked) == side.digests)
        #expect(asked.count == Set(asked).count)
    }

    @Test func preCommitFrameworkRangeIsReadWhenStdinHasNoLines() throws {
        let old = TestImage("images/app", seed: "old")
        let new = TestImage("images/app", seed: "new")
        let push = try PushFixture(layers: new.blobs, installHook: false)
        try push.repo.commitAll("config")
        try old.write(into: push.repo)
        let from = try push.repo.commitAll("old (its layers are missing, but it is outside the range)")
        try new.write(into: push.repo)
        let to = try push.repo.commitAll("new")
        let env = push.environment.merging([
            "PRE_COMMIT_FROM_REF": from, "PRE_COMMIT_TO_REF": to, "PRE_COMMIT_REMOTE_NAME": "origin",
        ]) { $1 }
        let result = try push.repo.verifyLayers(["pre-push"], environment: env, stdin: "")
        #expect(result.status == 0, "\(result.combined)")
        #expect(Set(try push.askedDigests()) == new.digests)
        let whole = try push.repo.verifyLayers(
            ["pre-push"], environment: env.merging(["PRE_COMMIT_FROM_REF": "\(from)~1"]) { $1 }, stdin: "")
        #expect(whole.status == 1, "the wider range reaches the old image: \(whole.combined)")
    }

    /// The hook's bare `pre-push <remote> <url>` skips the argument parser; with an option the parser runs. Both must
    /// answer the same push the same way (RunSettings() is every option's default).
    @Test func hookFormAndParsedFormAgree() throws {
        let good = TestImage("images/app", seed: "agree-good")
        let bad = TestImage("images/app", seed: "agree-bad", layers: 2)
        let push = try PushFixture(layers: good.blobs, installHook: false)
        try bad.write(into: push.repo)
        let tip = try push.repo.commitAll("image with layers nobody pushed")
        let line = "refs/heads/main \(tip) refs/heads/main \(String(repeating: "0", count: 40))\n"
        func run(_ arguments: [String]) throws -> (Int32, [String], String) {
            let result = try push.repo.verifyLayers(arguments, environment: push.environment, stdin: line)
            // Durations differ between two runs; everything else must not.
            let stdout = result.stdout.replacingOccurrences(
                of: #"[0-9]+(\.[0-9]+)? ?m?s\b"#, with: "T", options: .regularExpression)
            return (result.status, stdout.split(separator: "\n").map(String.init), result.stderr)
        }
        let hook = try run(["pre-push", "origin", push.remote.path])
        let parsed = try run(["pre-push", "--on-error", "fail", "--color", "auto", "origin", push.remote.path])
        #expect(hook.0 == 1)
        #expect(hook.0 == parsed.0)
        #expect(hook.1 == parsed.1)
        #expect(hook.2 == parsed.2)
        #expect(hook.1.contains { $0.contains("layer-unavailable") && $0.contains(bad.image.layers[0].digest) })
        let missingOptionValue = try push.repo.verifyLayers(
            ["pre-push", "--concurrency"], environment: push.environment, stdin: line)
        #expect(
            missingOptionValue.status == 64, "an option still goes through the parser: \(missingOptionValue.combined)")
    }

    @Test func malformedStdinIsAUsageError() throws {
        let push = try PushFixture(installHook: false)
        try push.repo.commitAll("empty")
        let result = try push.repo.verifyLayers(
            ["pre-push", "origin"], environment: push.environment, stdin: "refs/heads/main not-an-oid\n")
        #expect(result.status == 64)
        #expect(result.stderr.contains("line 1"))
    }

    @Test func positiveCacheSkipsTheCallOnTheNextPushAndSurvivesCorruption() throws {
        let image = TestImage("images/app", seed: "cached")
        let push = try PushFixture(layers: image.blobs, cacheTTL: "1h")
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        let head = try push.head()
        let line = "refs/heads/main \(head) refs/heads/main \(String(repeating: "0", count: 40))\n"
        // Run the hook command directly (no remote-tracking refs move), so only the cache can save the call.
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line).status == 0)
        #expect(!(try push.askedDigests()).isEmpty)
        let cacheFile = push.repo.path + "/.git/verify-layers/available-layers.json"
        #expect(FileManager.default.fileExists(atPath: cacheFile))
        try push.emulator.clearRequests()
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line).status == 0)
        #expect(try push.emulator.batchCalls().isEmpty, "answered from the positive cache")
        #expect(
            try push.repo.verifyLayers(
                ["pre-push", "origin", "--no-cache"], environment: push.environment, stdin: line
            ).status == 0)
        #expect(!(try push.emulator.batchCalls()).isEmpty, "--no-cache asks again")
        try push.emulator.clearRequests()
        try Data("garbage{".utf8).write(to: URL(fileURLWithPath: cacheFile))
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line).status == 0)
        #expect(!(try push.emulator.batchCalls()).isEmpty, "a corrupt cache is ignored")
        try push.emulator.clearRequests()
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line).status == 0)
        #expect(try push.emulator.batchCalls().isEmpty, "and rebuilt")
        // A layer removed from the service is still answered from the cache within the TTL, but a negative is never stored.
        let missing = TestImage("images/app", seed: "never")
        try missing.write(into: push.repo)
        let next = try push.repo.commitAll("missing")
        let nextLine = "refs/heads/main \(next) refs/heads/main \(head)\n"
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: nextLine).status
                == 1)
        try missing.publish(to: push.emulator)
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: nextLine).status
                == 0)
    }

    @Test func progressAppearsOnlyOnATerminalWhenTheCheckIsSlow() throws {
        let image = TestImage("images/app", seed: "slow")
        let push = try PushFixture(layers: image.blobs, installHook: false, latencyMs: 1200)
        try image.write(into: push.repo)
        let head = try push.repo.commitAll("image")
        let lineFile = push.repo.path + "/.git/push-line"
        try Data("refs/heads/main \(head) refs/heads/main \(String(repeating: "0", count: 40))\n".utf8).write(
            to: URL(fileURLWithPath: lineFile))
        let env = GitFixture.baseEnvironment.merging(push.environment) { $1 }
        let plain = try Shell.run(
            ["sh", "-c", "'\(PackagePaths.binary)' pre-push origin < '\(lineFile)'"], cwd: push.repo.path,
            environment: env)
        #expect(plain.status == 0, "\(plain.combined)")
        #expect(!plain.stderr.contains("asking ECR Public"), "no progress when stderr is not a terminal")
        #expect(!plain.combined.contains("\r"))
        // `script` gives the command a pseudo-terminal, as git push from an interactive shell does.
        let tty = try Shell.run(
            ["script", "-qec", "'\(PackagePaths.binary)' pre-push origin < '\(lineFile)'", "/dev/null"],
            cwd: push.repo.path, environment: env)
        #expect(tty.status == 0, "\(tty.combined)")
        #expect(tty.stdout.contains("verify-layers: checked 0/2 blobs in 0/1 repositories · "), "\(tty.stdout)")
        #expect(tty.stdout.contains("\r\u{1B}[K"), "the line is cleared before the result")
        #expect(tty.stdout.contains("1 image"))
    }

    /// The real pre-commit framework, through this repository's `.pre-commit-hooks.yaml` (pip package `pre-commit`).
    @Test(.enabled(if: PrePushTests.hasPreCommit, "pre-commit is not installed (pip install pre-commit)"))
    func preCommitFrameworkRunsTheHookFromThisRepository() throws {
        let good = TestImage("images/app", seed: "pc-good")
        let bad = TestImage("images/app", seed: "pc-bad")
        let push = try PushFixture(layers: good.blobs, installHook: false)
        try push.repo.commitAll("config")
        try good.write(into: push.repo)
        try push.repo.commitAll("good")
        try bad.write(into: push.repo)
        try push.repo.commitAll("bad")
        let home = try TemporaryDirectory(prefix: "vl-pre-commit")
        let env = GitFixture.baseEnvironment.merging(push.environment) { $1 }.merging(["PRE_COMMIT_HOME": home.path]) {
            $1
        }
        func tryRepo(_ from: String, _ to: String) throws -> ProcessResult {
            try Shell.run(
                [
                    "pre-commit", "try-repo", PackagePaths.root, "verify-layers", "--hook-stage", "pre-push",
                    "--from-ref", from, "--to-ref", to, "-v",
                ],
                cwd: push.repo.path, environment: env, timeout: 120)
        }
        // One run (pre-commit is slow to start): the range holds both commits, the bad layer fails it.
        let result = try tryRepo("HEAD~2", "HEAD")
        #expect(result.status != 0)
        #expect(result.combined.contains(bad.image.layers[0].digest), "\(result.combined)")
        #expect(!result.combined.contains(good.image.layers[0].digest), "the good image passed")
        let asked = try push.askedDigests()
        #expect(Set(asked) == good.digests.union(bad.digests), "exactly the pushed range was checked")
    }

    static var hasPreCommit: Bool {
        (try? Shell.run(["pre-commit", "--version"]).status) == 0
    }
}
