import Foundation
import TestSupport
import Testing

/// A repository with two commits: the first adds an image whose layers are missing (only a full-tree check sees it),
/// the second adds one whose layers are all present. A correct range check of the second commit passes.
private final class CIRepo {
    let push: PushFixture
    let old = TestImage("images/old", seed: "old-missing")
    let new = TestImage("images/new", seed: "new-present", layers: 2)
    let base: String
    let head: String
    let events: TemporaryDirectory

    init() throws {
        push = try PushFixture(layers: new.blobs, installHook: false, cacheTTL: "1h")
        try old.write(into: push.repo)
        base = try push.repo.commitAll("old image")
        try new.write(into: push.repo)
        head = try push.repo.commitAll("new image")
        events = try TemporaryDirectory(prefix: "vl-events")
    }

    /// A recorded-shape GitHub webhook payload (trimmed; unknown keys kept to prove they are ignored).
    func pushEvent(before: String, after: String) throws -> String {
        try event(
            "push",
            """
            {"ref":"refs/heads/main","before":"\(before)","after":"\(after)","created":false,"deleted":false,"forced":false,
             "base_ref":null,"compare":"https://github.com/o/r/compare/\(before.prefix(12))...\(after.prefix(12))",
             "commits":[{"id":"\(after)","tree_id":"0000000000000000000000000000000000000000","distinct":true,"message":"new image",
                         "timestamp":"2026-11-29T10:00:00Z","author":{"name":"Test","email":"test@example.com"},"added":[],"removed":[],"modified":[]}],
             "head_commit":{"id":"\(after)","message":"new image"},
             "repository":{"id":1,"name":"r","full_name":"o/r","private":false,"default_branch":"main"},
             "pusher":{"name":"o","email":"o@example.com"},"sender":{"login":"o","id":2,"type":"User"}}
            """)
    }

    func pullRequestEvent(base: String, head: String) throws -> String {
        try event(
            "pull_request",
            """
            {"action":"synchronize","number":7,"before":"\(base)","after":"\(head)",
             "pull_request":{"url":"https://api.github.com/repos/o/r/pulls/7","id":70,"number":7,"state":"open","title":"New image",
               "head":{"label":"o:feature","ref":"feature","sha":"\(head)","repo":{"full_name":"o/r"}},
               "base":{"label":"o:main","ref":"main","sha":"\(base)","repo":{"full_name":"o/r"}},
               "merged":false,"draft":false,"commits":1},
             "repository":{"id":1,"full_name":"o/r"},"sender":{"login":"o"}}
            """)
    }

    private func event(_ name: String, _ json: String) throws -> String {
        let path = events.path + "/\(name)-\(UUID().uuidString).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func github(_ name: String, eventPath: String?) -> [String: String] {
        var env = push.environment.merging([
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": name, "GITHUB_SHA": head,
        ]) { $1 }
        if let eventPath { env["GITHUB_EVENT_PATH"] = eventPath }
        return env
    }

    func gitlab(_ variables: [String: String]) -> [String: String] {
        push.environment.merging(["GITLAB_CI": "true", "CI": "true", "CI_COMMIT_SHA": head]) { $1 }.merging(variables) {
            $1
        }
    }

    func ci(_ environment: [String: String], _ arguments: [String] = [], cwd: String? = nil) throws -> ProcessResult {
        try Shell.run(
            [PackagePaths.binary, "ci"] + arguments, cwd: cwd ?? push.repo.path,
            environment: GitFixture.baseEnvironment.merging(environment) { $1 }, timeout: 60)
    }

    var asked: Set<String> { get throws { Set(try push.askedDigests()) } }
}

private let zeros = String(repeating: "0", count: 40)

@Suite struct CITests {
    @Test func githubPushChecksBeforeToAfter() throws {
        let repo = try CIRepo()
        let result = try repo.ci(
            repo.github("push", eventPath: try repo.pushEvent(before: repo.base, after: repo.head)),
            ["--format", "json"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try repo.asked == repo.new.digests)
        #expect(!result.stderr.contains("full tree"))
    }

    @Test func githubPullRequestChecksBaseToHead() throws {
        let repo = try CIRepo()
        let result = try repo.ci(
            repo.github("pull_request", eventPath: try repo.pullRequestEvent(base: repo.base, head: repo.head)),
            ["--format", "json"])
        #expect(result.status == 0, "\(result.combined)")
        #expect(try repo.asked == repo.new.digests)
    }

    @Test func githubNewBranchWithAllZeroBeforeChecksTheFullTree() throws {
        let repo = try CIRepo()
        let result = try repo.ci(
            repo.github("push", eventPath: try repo.pushEvent(before: zeros, after: repo.head)), ["--format", "json"])
        #expect(result.status == 1, "\(result.combined)")
        #expect(try repo.asked == repo.new.digests.union(repo.old.digests))
        let notices = result.stderr.split(separator: "\n").filter { $0.contains("full tree") }
        #expect(notices.count == 1, "one line: \(result.stderr)")
        #expect(notices.first?.contains("all zeros") == true)
    }

    @Test func githubShallowCloneWithoutTheBaseFallsBackToTheFullTree() throws {
        let repo = try CIRepo()
        let clone = try TemporaryDirectory(prefix: "vl-ci-clone")
        let work = clone.path + "/w"
        let cloned = try Shell.run(
            ["git", "clone", "-q", "--depth", "1", "file://" + repo.push.repo.path, work],
            environment: GitFixture.baseEnvironment)
        #expect(cloned.status == 0, "\(cloned.combined)")
        #expect(
            try Shell.run(["git", "cat-file", "-e", repo.base], cwd: work, environment: GitFixture.baseEnvironment)
                .status != 0, "the base is absent")
        let result = try repo.ci(
            repo.github("push", eventPath: try repo.pushEvent(before: repo.base, after: repo.head)),
            ["--format", "json"], cwd: work)
        #expect(result.status == 1, "the full tree includes the old image: \(result.combined)")
        #expect(result.stderr.contains("not in this clone"))
        #expect(result.stderr.contains("full tree at HEAD"))
        #expect(try repo.asked == repo.new.digests.union(repo.old.digests))
        // The same for a pull request event whose base and head are both absent.
        let pr = try repo.ci(
            repo.github("pull_request", eventPath: try repo.pullRequestEvent(base: repo.base, head: repo.head)),
            ["--format", "json"], cwd: work)
        #expect(pr.status == 1)
        #expect(pr.stderr.contains("not in this clone"))
    }

    /// A pull request event whose payload names no base commit (or no payload at all) falls back to GITHUB_BASE_REF,
    /// the base branch GitHub sets for pull requests, when the clone has it; only without it is the full tree checked.
    @Test func githubPullRequestWithoutABaseCommitUsesGITHUBBASEREF() throws {
        let repo = try CIRepo()
        _ = try repo.push.repo.git(["update-ref", "refs/remotes/origin/trunk", repo.base])
        let payload = try repo.pullRequestEvent(base: "", head: repo.head)
        for eventPath in [payload, nil] {
            var env = repo.github("pull_request", eventPath: eventPath)
            env["GITHUB_BASE_REF"] = "trunk"
            let result = try repo.ci(env, ["--format", "json"])
            #expect(result.status == 0, "\(result.combined)")
            #expect(try repo.asked == repo.new.digests)
            #expect(result.stderr.contains("using GITHUB_BASE_REF trunk"), "\(result.stderr)")
            try repo.push.emulator.clearRequests()
        }
        var unknown = repo.github("pull_request", eventPath: nil)
        unknown["GITHUB_BASE_REF"] = "no-such-branch"
        let fullTree = try repo.ci(unknown, ["--format", "json"])
        #expect(fullTree.status == 1, "the old image's missing layers are seen: \(fullTree.combined)")
        #expect(fullTree.stderr.contains("checking the full tree at HEAD"))
    }

    @Test func githubEventsWithoutARangeCheckTheFullTree() throws {
        let repo = try CIRepo()
        let dispatch = try repo.ci(
            repo.github("workflow_dispatch", eventPath: try repo.pushEvent(before: repo.base, after: repo.head)),
            ["--format", "json"])
        #expect(dispatch.status == 1)
        #expect(dispatch.stderr.contains("`workflow_dispatch`"))
        let noFile = try repo.ci(
            repo.github("push", eventPath: repo.events.path + "/absent.json"), ["--format", "json"])
        #expect(noFile.status == 1)
        #expect(noFile.stderr.contains("cannot read the event file"))
    }

    @Test func gitlabPushAndMergeRequestPipelinesUseTheirBase() throws {
        let repo = try CIRepo()
        let push = try repo.ci(
            repo.gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": repo.base]), ["--format", "json"])
        #expect(push.status == 0, "\(push.combined)")
        #expect(try repo.asked == repo.new.digests)
        try repo.push.emulator.clearRequests()
        let mr = try repo.ci(
            repo.gitlab([
                "CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BEFORE_SHA": zeros,
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": repo.base,
            ]), ["--format", "json"])
        #expect(mr.status == 0, "\(mr.combined)")
        #expect(try repo.asked == repo.new.digests)
        let newBranch = try repo.ci(
            repo.gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": zeros]), ["--format", "json"])
        #expect(newBranch.status == 1)
        #expect(newBranch.stderr.contains("all zeros"))
        let schedule = try repo.ci(
            repo.gitlab(["CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BEFORE_SHA": repo.base]), ["--format", "json"])
        #expect(schedule.status == 1)
        #expect(schedule.stderr.contains("`schedule`"))
    }

    @Test func reportFormatFollowsTheEnvironment() throws {
        let repo = try CIRepo()
        func normalized(_ text: String) -> String {
            text.replacingOccurrences(of: #"[0-9]+\.[0-9]+"#, with: "N", options: .regularExpression)
        }
        let event = try repo.pushEvent(before: repo.base, after: repo.head)
        let cases: [([String: String], String)] = [
            (repo.github("push", eventPath: event), "github"),
            (repo.gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": repo.base]), "gitlab"),
        ]
        for (env, format) in cases {
            let byDefault = try repo.ci(env)
            let explicit = try repo.ci(env, ["--format", format])
            let text = try repo.ci(env, ["--format", "text"])
            #expect(byDefault.status == 0 && explicit.status == 0)
            #expect(normalized(byDefault.stdout) == normalized(explicit.stdout), "\(format)")
            #expect(normalized(byDefault.stdout) != normalized(text.stdout), "\(format)")
        }
    }

    @Test func reportFilesAreWrittenAndTheCacheIsOffUnderCI() throws {
        let repo = try CIRepo()
        let env = repo.gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": repo.base])
        let reportPath = repo.events.path + "/report.json"
        let first = try repo.ci(env, ["--format", "text", "--report", "json=\(reportPath)"])
        #expect(first.status == 0, "\(first.combined)")
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath))) as? [String: Any]
        #expect(report?["version"] as? Int == 1)
        let calls = try repo.push.emulator.batchCalls().count
        #expect(calls > 0)
        let second = try repo.ci(env, ["--format", "text"])
        #expect(second.status == 0)
        #expect(try repo.push.emulator.batchCalls().count == 2 * calls, "no cache under ci: asked again")
        #expect(
            !FileManager.default.fileExists(atPath: repo.push.repo.path + "/.git/verify-layers/available-layers.json"))
    }

    /// SPEC §1: `ci` writes the step summary; §6: the github format appends it. So `ci --format json` under GitHub
    /// Actions, and `check --report github=FILE`, both leave the summary table and the step outputs.
    @Test func stepSummaryAndOutputsAreWrittenWhateverStdoutShows() throws {
        let repo = try CIRepo()
        let event = try repo.pushEvent(before: repo.base, after: repo.head)
        let summary = repo.events.path + "/summary.md"
        let outputs = repo.events.path + "/outputs.txt"
        let files = ["GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": outputs]
        let ci = try repo.ci(repo.github("push", eventPath: event).merging(files) { $1 }, ["--format", "json"])
        #expect(ci.status == 0, "\(ci.combined)")
        #expect(try String(contentsOfFile: summary, encoding: .utf8).contains("| images/new"))
        #expect(try String(contentsOfFile: outputs, encoding: .utf8).hasPrefix("checked="))
        try FileManager.default.removeItem(atPath: summary)
        try FileManager.default.removeItem(atPath: outputs)
        let check = try Shell.run(
            [
                PackagePaths.binary, "check", "--range", "\(repo.base)..\(repo.head)", "--format", "text", "--report",
                "github=\(repo.events.path)/annotations.txt",
            ],
            cwd: repo.push.repo.path,
            environment: GitFixture.baseEnvironment.merging(repo.push.environment) { $1 }.merging(files) { $1 })
        #expect(check.status == 0, "\(check.combined)")
        #expect(try String(contentsOfFile: summary, encoding: .utf8).contains("| images/new"))
        #expect(try String(contentsOfFile: outputs, encoding: .utf8).contains("exit-code=0\n"))
        let plain = try repo.ci(
            repo.gitlab(["CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BEFORE_SHA": repo.base]).merging(
                ["GITHUB_STEP_SUMMARY": repo.events.path + "/not-github.md"]) { $1 })
        #expect(plain.status == 0)
        #expect(!FileManager.default.fileExists(atPath: repo.events.path + "/not-github.md"), "GitLab is not GitHub")
    }

    @Test func ciNodeVariablesShardTheImages() throws {
        let repo = try CIRepo()
        var images: [Set<String>] = []
        for index in 1...2 {
            let env = repo.gitlab(["CI_PIPELINE_SOURCE": "schedule", "CI_NODE_INDEX": "\(index)", "CI_NODE_TOTAL": "2"])
            let result = try repo.ci(env, ["--format", "json"])
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let paths = (json?["images"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
            images.append(Set(paths))
        }
        #expect(images[0].union(images[1]) == ["images/old", "images/new"])
        #expect(images[0].isDisjoint(with: images[1]))
        let flagWins = try repo.ci(
            repo.gitlab(["CI_PIPELINE_SOURCE": "schedule", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2"]),
            ["--format", "json", "--shard", "1/1"])
        let all =
            (try JSONSerialization.jsonObject(with: Data(flagWins.stdout.utf8)) as? [String: Any])?["images"]
            as? [[String: Any]]
        #expect(all?.count == 2)
        let invalid = try repo.ci(repo.gitlab(["CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "2"]))
        #expect(invalid.status == 64)
        #expect(invalid.stderr.contains("CI_NODE_INDEX"))
    }

    @Test func checkRangeHasTheSameSemantics() throws {
        let repo = try CIRepo()
        let ranged = try repo.push.repo.verifyLayers(
            ["check", "--range", "\(repo.base)..\(repo.head)"], environment: repo.push.environment)
        #expect(ranged.status == 0, "\(ranged.combined)")
        #expect(try repo.asked == repo.new.digests)
        let whole = try repo.push.repo.verifyLayers(["check"], environment: repo.push.environment)
        #expect(whole.status == 1, "the full tree has the old image")
        let headOnly = try repo.push.repo.verifyLayers(
            ["check", "--range", "\(repo.base).."], environment: repo.push.environment)
        #expect(headOnly.status == 0, "A.. means A..HEAD")
        let symmetric = try repo.push.repo.verifyLayers(
            ["check", "--range", "a...b"], environment: repo.push.environment)
        #expect(symmetric.status == 64)
        let unknown = try repo.push.repo.verifyLayers(
            ["check", "--range", "nope..HEAD"], environment: repo.push.environment)
        #expect(unknown.status == 64)
        let both = try repo.push.repo.verifyLayers(
            ["check", "HEAD", "--range", "HEAD~1..HEAD"], environment: repo.push.environment)
        #expect(both.status == 64)
    }
}
