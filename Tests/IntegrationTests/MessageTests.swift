import Foundation
import TestSupport
import Testing

/// The messages around a check, end to end on the built binary: hints after a blocked push, a run-wide failure said
/// once, unmapped images failing pushes, the working-tree config notice, cache hits, and what usage errors say.
@Suite struct MessageTests {
    static let zero = String(repeating: "0", count: 40)

    /// A push fixture with one committed image (`images/app`) and a positive cache of `cacheTTL`, and its pre-push line.
    private func committedImagePush(seed: String, cacheTTL: String) throws -> (
        image: TestImage, push: PushFixture, line: String
    ) {
        let image = TestImage("images/app", seed: seed)
        let push = try PushFixture(layers: image.blobs, cacheTTL: cacheTTL)
        try image.write(into: push.repo)
        try push.repo.commitAll("image")
        return (image, push, try pushLine(push))
    }

    private func pushLine(_ push: PushFixture) throws -> String {
        "refs/heads/main \(try push.head()) refs/heads/main \(Self.zero)\n"
    }

    @Test func blockedPushShowsThePublishCommandTheBypassAndTheRecheck() throws {
        let bad = TestImage("images/app", seed: "bad")
        let push = try PushFixture()
        try bad.write(into: push.repo)
        try push.repo.commitAll("image nobody published")
        let result = try push.git(["push", "origin", "main"])
        #expect(result.status != 0)
        let short = String(try push.head().prefix(7))
        for hint in [
            "hint:   skopeo copy oci:images/app docker://public.ecr.aws/demo/app:bad",
            "hint: to push without this check once: git push --no-verify (or VERIFY_LAYERS_SKIP=1 git push)",
            "hint: to check again: verify-layers check \(short)",
        ] {
            #expect(result.combined.contains(hint), "missing \(hint.debugDescription) in \(result.combined)")
        }
        let quiet = try push.repo.verifyLayers(
            ["pre-push", "origin", "-q"], environment: push.environment, stdin: try pushLine(push))
        #expect(quiet.status == 1)
        #expect(!quiet.combined.contains("hint:"), "-q leaves the hints out")
        let json = try push.repo.verifyLayers(
            ["pre-push", "origin", "--format", "json"], environment: push.environment, stdin: try pushLine(push))
        #expect(!json.stdout.contains("hint:"), "hints are for the text format only")
    }

    @Test func unmappedImageFailsAPushButOnlyWarnsACheck() throws {
        let push = try PushFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("nameless")])
        try push.repo.write(LayoutBuilder.files(at: "images/nameless", images: [image], name: nil))
        try push.repo.commitAll("an image with no name")
        let hook = try push.repo.verifyLayers(
            ["pre-push", "origin"], environment: push.environment, stdin: try pushLine(push))
        #expect(hook.status == 1, "\(hook.combined)")
        #expect(hook.combined.contains("error: no repository for image images/nameless"), "\(hook.combined)")
        #expect(hook.combined.contains("`exclude:`"))
        let pushed = try push.git(["push", "origin", "main"])
        #expect(pushed.status != 0, "the real push is refused too")
        #expect(try push.remoteRef("refs/heads/main") == nil)
        let check = try push.repo.verifyLayers(["check"], environment: push.environment)
        #expect(check.status == 0, "\(check.combined)")
        #expect(check.combined.contains("warning: no repository for image images/nameless"))
        let ci = try push.repo.verifyLayers(["ci", "--format", "text"], environment: push.environment)
        #expect(ci.status == 1, "\(ci.combined)")
    }

    /// A name on public.ecr.aws whose repository is too short to be one (ECR Public's minimum is 2) is unmapped, and
    /// the finding says the name is the problem rather than only asking for the annotation it already has.
    @Test func aMalformedECRPublicNameSaysWhyItIsUnmapped() throws {
        let repo = try GitFixture()
        let image = FixtureImage(layers: [FixtureBlob.layer("short-name")])
        try repo.write(LayoutBuilder.files(at: "images/short", images: [image], name: "public.ecr.aws/demo/a:1"))
        try repo.commitAll("a one-letter repository")
        let list = try repo.verifyLayers(["list"])
        #expect(list.status == 0, "\(list.combined)")
        #expect(
            list.stdout.contains(
                "no repository for image public.ecr.aws/demo/a:1 (its name is not public.ecr.aws/<alias>/<repo> with a "
                    + "valid alias and repository"), "\(list.stdout)")
    }

    @Test func noCredentialsIsPrintedOnceWithTheFixAndJSONKeepsOneFindingPerImage() throws {
        let scenario = try AWSScenario(repositories: ["app", "web", "db"])
        let text = try scenario.run(["check", "--via", "api"])
        #expect(text.status == 77)
        #expect(text.combined.components(separatedBy: "no AWS credentials found").count == 2, "once: \(text.combined)")
        #expect(
            text.combined.contains("tried: environment, web identity, shared files, container, EC2 instance metadata"))
        #expect(text.combined.contains("fix: run `aws configure`"))
        #expect(text.combined.components(separatedBy: "not verified:").count == 4, "each image says only not verified")
        let json = try scenario.run(["check", "--via", "api", "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let findings = (report?["findings"] as? [[String: Any]]) ?? []
        #expect(findings.filter { $0["rule"] as? String == "verification-error" }.count == 3)
    }

    @Test func unreachableEndpointIsPrintedOnce() throws {
        let scenario = try AWSScenario(repositories: ["app", "web"])
        let result = try scenario.run(
            ["check", "--max-attempts", "1"],
            scenario.staticKeys.merging(["AWS_ENDPOINT_URL_ECR_PUBLIC": "http://127.0.0.1:9"]) { $1 })
        #expect(result.status == 69, "\(result.combined)")
        #expect(
            result.combined.components(separatedBy: "ECR Public could not be reached").count == 2, "\(result.combined)")
        #expect(result.combined.contains("fix: check the network"))
    }

    @Test func workingTreeConfigThatDiffersOrIsUntrackedGetsOneNotice() throws {
        let scenario = try AWSScenario()
        let same = try scenario.run(["list"])
        #expect(!same.stderr.contains("notice:"), "no config anywhere: nothing to say")
        try scenario.repo.write(".verify-layers.yml", Data("registry: demo\n".utf8))
        let untracked = try scenario.run(["check"], scenario.staticKeys)
        #expect(untracked.status == 0)
        #expect(untracked.stderr.components(separatedBy: "notice:").count == 2, "\(untracked.stderr)")
        #expect(untracked.stderr.contains(".verify-layers.yml in the working tree is not in commit"))
        try scenario.repo.commitAll("config")
        let committed = try scenario.run(["check"], scenario.staticKeys)
        #expect(!committed.stderr.contains("notice:"), "\(committed.stderr)")
        try scenario.repo.write(".verify-layers.yml", Data("registry: demo\nstrict: true\n".utf8))
        let modified = try scenario.run(["list"])
        #expect(
            modified.stderr.contains(".verify-layers.yml in the working tree differs from the one in commit"),
            "\(modified.stderr)")
        #expect(modified.stderr.contains("using the committed one"))
        #expect(
            !(try scenario.run(["list", "--config", ".verify-layers.yml"])).stderr.contains("notice:"),
            "--config names the file to use")
    }

    /// A `cache-ttl` too long for an Int (1e308 seconds is a valid YAML float) is "remember for ever", not a trap
    /// when `--verbose` names the TTL.
    @Test func aHugeCacheTTLIsUsedAndNamedWithoutACrash() throws {
        let (_, push, line) = try committedImagePush(seed: "huge-ttl", cacheTTL: "1e308")
        let first = try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line)
        #expect(first.status == 0, "\(first.combined)")
        let again = try push.repo.verifyLayers(
            ["pre-push", "origin", "-v"], environment: push.environment, stdin: line)
        #expect(again.status == 0, "\(again.combined)")
        #expect(again.stdout.contains("2 available, 2 from cache) in "), "\(again.stdout)")
        #expect(again.stdout.contains("from cache within "), "\(again.stdout)")
    }

    /// SPEC §6's summary line, `3 images, 42 blobs (40 available, 9 from cache, 1 unavailable, 1 invalid) in 0.21s`:
    /// that shape, ending at the time, with the counts the JSON report of the same run gives.
    @Test func theSummaryLineHasSPECsShapeAndTheJSONCounts() throws {
        let (_, push, _) = try committedImagePush(seed: "summary", cacheTTL: "1h")
        let first = try push.repo.verifyLayers(
            ["pre-push", "origin"], environment: push.environment, stdin: try pushLine(push))
        #expect(first.status == 0, "\(first.combined)")
        try TestImage("images/bad", seed: "summary-bad", layers: 1).write(into: push.repo)
        try push.repo.commitAll("an image nobody published")
        let report = push.repo.path + "/summary.json"
        let second = try push.repo.verifyLayers(
            ["pre-push", "origin", "--report", "json=\(report)"], environment: push.environment,
            stdin: try pushLine(push))
        #expect(second.status == 1, "\(second.combined)")
        let line = try #require(second.stdout.split(separator: "\n").first { $0.contains(" blobs (") }.map(String.init))
        let shape =
            #"^(\d+) images?, (\d+) blobs? \((\d+) available(, (\d+) from cache)?(, (\d+) unavailable)?(, \d+ invalid)?"#
            + #"(, \d+ unverified)?(, \d+ skipped)?\) in \d+\.\d\ds$"#
        let match = try #require(try Regex(shape).wholeMatch(in: line), "not SPEC's shape: \(line)")
        let numbers = (1..<match.count).map { match[$0].substring.map { Int($0) } ?? nil }
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        let summary = try #require(json?["summary"] as? [String: Any])
        #expect(numbers[0] == summary["images"] as? Int && numbers[0] == 2, "\(line) vs \(summary)")
        #expect(numbers[1] == summary["layers"] as? Int && numbers[1] == 4, "\(line) vs \(summary)")
        #expect(numbers[2] == summary["available"] as? Int && numbers[2] == 2, "\(line) vs \(summary)")
        #expect(numbers[4] == summary["cached"] as? Int && numbers[4] == 2, "\(line) vs \(summary)")
        #expect(numbers[6] == summary["unavailable"] as? Int && numbers[6] == 2, "\(line) vs \(summary)")
    }

    @Test func verboseListsCacheHitsAndTheSummaryCountsThem() throws {
        // A compound duration, as Go writes them: read, and named back the same way.
        let (image, push, line) = try committedImagePush(seed: "cached", cacheTTL: "1h30m")
        #expect(
            try push.repo.verifyLayers(["pre-push", "origin"], environment: push.environment, stdin: line).status == 0)
        let again = try push.repo.verifyLayers(
            ["pre-push", "origin", "-v"], environment: push.environment, stdin: line)
        #expect(again.status == 0)
        #expect(again.stdout.contains("2 available, 2 from cache) in "), "\(again.stdout)")
        for digest in image.digests {
            #expect(again.stdout.contains("from cache within 1h30m: public.ecr.aws/demo/app \(digest)"))
        }
    }

    /// A literal reading of SPEC §1.2/§2: a bad value is exit 64 with a message naming the option and what is wrong,
    /// never "Missing value" for a negative number, a crash for an infinite timeout, or a call to the service with a
    /// registry id it must reject (which came back as 69, blaming the network).
    @Test(arguments: [
        (["--timeout", "-1"], "--timeout must be a positive number"),
        (["--timeout", "inf"], "--timeout must be a positive number"),
        (["--timeout", "1e400"], "--timeout must be a positive number"),
        (["--concurrency", "-1"], "--concurrency must be between 1 and 256"),
        (["--max-attempts", "-2"], "--max-attempts must be between 1 and 20"),
        (["--shard", "-1/2"], "K must be between 1 and 2"),
        (["--registry-id", "bad id"], "--registry-id \"bad id\" is neither a registry alias"),
        (["--registry-id", ""], "--registry-id \"\" is neither a registry alias"),
        (["--repository", ""], "--repository \"\" is not a valid ECR Public repository name"),
    ])
    func badOptionValuesAreUsageErrorsSayingWhy(arguments: [String], message: String) throws {
        let repo = try GitFixture()
        try repo.write("readme.txt", Data("x".utf8))
        try repo.commitAll("tree")
        for command in ["check", "ci"] {
            let result = try repo.verifyLayers(
                [command] + arguments, environment: ["AWS_ENDPOINT_URL_ECR_PUBLIC": "http://127.0.0.1:9"])
            #expect(result.status == 64, "\(command) \(arguments): \(result.combined)")
            #expect(result.stderr.contains(message), "\(command) \(arguments): \(result.stderr)")
        }
    }

    /// `--report FORMAT=PATH` into something that is not a plain file writes through it: `/dev/fd/1` is the run's own
    /// stdout (after the stdout report), and a symbolic link keeps being a link, its target getting the report. A
    /// rename into place would replace the link (or, run as root, the `/dev/stdout` device link) with a plain file.
    @Test func reportsIntoStreamsAndLinksAreWrittenThrough() throws {
        let repo = try GitFixture()
        try repo.write("readme.txt", Data("x".utf8))
        try repo.commitAll("nothing to check")
        let files = try TemporaryDirectory(prefix: "vl-report-links")
        try Data("old".utf8).write(to: URL(fileURLWithPath: files.path + "/target.json"))
        try FileManager.default.createSymbolicLink(
            atPath: files.path + "/link.json", withDestinationPath: "target.json")
        let result = try repo.verifyLayers([
            "check", "--format", "text", "--report", "json=/dev/fd/1", "--report", "json=\(files.path)/link.json",
        ])
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.stdout.hasPrefix("0 images, 0 blobs"), "\(result.stdout)")
        #expect(result.stdout.contains("\"version\" : 1"), "the json report follows on stdout: \(result.stdout)")
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: files.path + "/link.json")
        #expect(link == "target.json")
        #expect(try String(contentsOfFile: files.path + "/target.json", encoding: .utf8).contains("\"version\" : 1"))
        // `-` is standard output, not a file named `-`.
        let dash = try repo.verifyLayers(["check", "--format", "text", "--report", "sarif=-"])
        #expect(dash.status == 0, "\(dash.combined)")
        #expect(dash.stdout.contains("\"$schema\""), "the sarif report follows on stdout: \(dash.stdout)")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/-"))
    }

    /// A report that could not be written (its directory is missing) fails at once with 78, before anything is asked:
    /// not after a whole run whose own exit code it would hide.
    @Test func anUnwritableReportPathFailsBeforeTheRun() throws {
        let repo = try GitFixture()
        let files = LayoutBuilder.files(
            at: "app", images: [FixtureImage(layers: [FixtureBlob.layer("l")])], name: "public.ecr.aws/demo/app:1")
        try repo.write(files)
        try repo.commitAll()
        let emulator = try Emulator(repositories: ["app": [:]])
        try emulator.clearRequests()
        let result = try repo.verifyLayers(
            ["check", "--report", "json=\(repo.path)/no/such/dir/report.json"], environment: emulator.environment)
        #expect(result.status == 78, "\(result.combined)")
        #expect(result.stderr.contains("cannot write report \(repo.path)/no/such/dir/report.json"), "\(result.stderr)")
        #expect(try emulator.batchCalls().isEmpty, "nothing was asked")
    }

    /// The registry way addresses `public.ecr.aws/v2/<alias>/<repo>`: a repository forced without any alias cannot be
    /// asked there. That is the configuration's fault (78, with the setting to add), not the network's (69), and
    /// `--on-error warn`, which excuses an unreachable service, does not excuse it.
    @Test func theRegistryWayWithoutAnAliasIsAConfigurationError() throws {
        let repo = try GitFixture()
        let files = LayoutBuilder.files(
            at: "app", images: [FixtureImage(layers: [FixtureBlob.layer("l")])], name: nil)
        try repo.write(files)
        try repo.commitAll()
        let environment = [
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "VERIFY_LAYERS_REGISTRY_URL": "http://127.0.0.1:9",
        ]
        let text = try repo.verifyLayers(
            ["check", "--via", "registry", "--repository", "app"], environment: environment)
        #expect(text.status == 78, "\(text.combined)")
        #expect(
            text.combined.components(separatedBy: "needs a registry alias").count == 2, "said once:\n\(text.combined)")
        #expect(text.combined.contains("fix: set `registry: <alias>`"), "\(text.combined)")
        #expect(!text.combined.contains("could not be reached"), "the network is not blamed:\n\(text.combined)")
        let warned = try repo.verifyLayers(
            ["check", "--via", "registry", "--repository", "app", "--on-error", "warn", "--format", "json"],
            environment: environment)
        #expect(warned.status == 78, "\(warned.combined)")
        let envelope = try JSONSerialization.jsonObject(with: Data(warned.stdout.utf8)) as? [String: Any]
        let findings = envelope?["findings"] as? [[String: Any]] ?? []
        #expect(!findings.isEmpty && findings.allSatisfy { $0["severity"] as? String == "error" }, "\(findings)")
    }

    /// `.verify-layers.yaml` is not a name verify-layers reads (SPEC §3.2: `.verify-layers.yml`); a commit that has only it
    /// is checked with the defaults, and the run says so once, with the rename, instead of ignoring it in silence.
    @Test func aConfigNamedDotYamlIsNamedAndNotRead() throws {
        let repo = try GitFixture()
        let files = LayoutBuilder.files(
            at: "vendor/app", images: [FixtureImage(layers: [FixtureBlob.layer("yaml")])], name: nil)
        try repo.write(files)
        try repo.write(
            ".verify-layers.yaml", Data("registry: demo\nimages:\n  - path: vendor/app\n    repository: app\n".utf8))
        try repo.commitAll()
        let result = try repo.verifyLayers(["list"])
        let notice = "has .verify-layers.yaml but no .verify-layers.yml, the only name read"
        #expect(result.stderr.components(separatedBy: notice).count == 2, "once:\n\(result.stderr)")
        #expect(result.stderr.contains("git mv .verify-layers.yaml .verify-layers.yml"), "\(result.stderr)")
        #expect(result.stdout.contains("image-unmapped"), "the defaults were used:\n\(result.stdout)")
        let quiet = try repo.verifyLayers(["list", "-q"])
        #expect(!quiet.stderr.contains(notice), "\(quiet.stderr)")
    }

    @Test func usageErrorsSayWhatIsWrong() throws {
        let repo = try GitFixture()
        let typo = try repo.verifyLayers(["chek"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("'chek' is not a verify-layers command"))
        #expect(typo.stderr.contains("\tcheck"))
        // Before the first commit there is nothing to check (SPEC §2: 0) unless a revision is named, which then
        // names nothing (64).
        for command in [["check"], ["list"], ["ci"], ["check", "--format", "json"]] {
            let empty = try repo.verifyLayers(command)
            #expect(empty.status == 0, "\(command): \(empty.combined)")
            #expect(empty.stderr.contains("this repository has no commits yet; nothing to check"), "\(empty.stderr)")
        }
        let json = try repo.verifyLayers(["check", "--format", "json"])
        let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((envelope?["images"] as? [Any])?.isEmpty == true, "\(json.stdout)")
        let empty = try repo.verifyLayers(["check", "HEAD"])
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("this repository has no commits yet"), "\(empty.stderr)")
        #expect(!empty.stderr.contains("revspec"))
        try repo.write("images/readme.txt", Data("x".utf8))
        try repo.commitAll("tree")
        let tree = try repo.verifyLayers(["check", "main:images"])
        #expect(tree.status == 64)
        #expect(tree.stderr.contains("'main:images' names a tree (a directory), not a commit"), "\(tree.stderr)")
        #expect(!tree.stderr.contains("git_object_t"))
        let shard = try repo.verifyLayers(["check", "--shard", "3/2"])
        #expect(shard.status == 64)
        #expect(shard.stderr.contains("K must be between 1 and 2"))
        let report = try repo.verifyLayers(["check", "--report", "sarif"])
        #expect(report.status == 64)
        #expect(report.stderr.contains("has no '=': write FORMAT=PATH"))
        let format = try repo.verifyLayers(["check", "--report", "xml=out.xml"])
        #expect(
            format.stderr.contains(
                "\"xml\" is not a report format; use one of text, json, github, gitlab, junit, sarif"))
        for (arguments, what) in [
            (["list", "--endpoint-url", "http://127.0.0.1:1"], "--endpoint-url"),
            (["list", "--format", "sarif"], "sarif"),
            (["list", "--report", "sarif=x"], "as text or json, not --report sarif=x"),
            (["list", "--on-error", "warn"], "--on-error does not apply to list"),
            (["list", "--region=us-east-1"], "--region does not apply to list (list is offline"),
            (["list", "--color", "always", "--format", "json"], "applies to the text listing only"),
            (["doctor", "-q"], "-q does not apply to doctor (doctor writes no report)"),
            (["doctor", "--format", "json"], "--format does not apply to doctor"),
            (["doctor", "--report", "json=x"], "--report"), (["check", "-v", "-q"], "contradict"),
            (["check", "--color", "always", "--format", "json"], "text format only"),
        ] {
            let result = try repo.verifyLayers(arguments)
            #expect(result.status == 64, "\(arguments): \(result.combined)")
            #expect(result.stderr.contains(what), "\(arguments): \(result.stderr)")
        }
        let listHelp = try repo.verifyLayers(["list", "--help"]).stdout
        #expect(
            !listHelp.contains("--endpoint-url") && !listHelp.contains("--on-error") && !listHelp.contains("--profile"))
        let doctorHelp = try repo.verifyLayers(["doctor", "--help"]).stdout
        #expect(
            !doctorHelp.contains("--format") && !doctorHelp.contains("--report")
                && doctorHelp.contains("--endpoint-url"))
        let checkHelp = try repo.verifyLayers(["check", "--help"]).stdout
        for group in ["SCAN OPTIONS", "SERVICE OPTIONS", "OUTPUT OPTIONS"] {
            #expect(checkHelp.contains(group), "\(checkHelp)")
        }
    }
}
