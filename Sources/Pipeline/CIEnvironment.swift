import ImageModel
import Reports

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a CI run asks to check, read from GitHub Actions' or GitLab CI's environment: a base..head range when the
/// event names one, otherwise the full tree at HEAD with the reason (printed as a one-line notice).
struct CIPlan: Equatable {
    /// The event's base commit text (may be all zeros or absent from a shallow clone: the caller decides).
    var base: String?
    /// The event's head commit text; HEAD when nil or not in the clone.
    var head: String?
    /// Why there is no range, when `base` is nil.
    var fullTreeReason: String?
    /// A pull request's base branch (`GITHUB_BASE_REF`), to stand in for a base commit the event does not give: its
    /// remote-tracking ref, else the local branch, when the clone has one.
    var baseBranch: String?
}

/// Reads the CI variables; pure apart from reading `GITHUB_EVENT_PATH`, so recorded event files test it.
enum CIEnvironment {
    static func plan(_ environment: [String: String]) -> CIPlan {
        if environment["GITHUB_ACTIONS"] == "true" { return github(environment) }
        if environment["GITLAB_CI"] == "true" { return gitlab(environment) }
        return CIPlan(fullTreeReason: "no GitHub Actions or GitLab CI environment found")
    }

    private static func github(_ environment: [String: String]) -> CIPlan {
        let name = environment["GITHUB_EVENT_NAME"] ?? ""
        let baseBranch = name.hasPrefix("pull_request") ? environment["GITHUB_BASE_REF"].flatMap(nonEmpty) : nil
        func fullTree(_ reason: String) -> CIPlan {
            CIPlan(head: environment["GITHUB_SHA"], fullTreeReason: reason, baseBranch: baseBranch)
        }
        guard ["push", "pull_request", "pull_request_target", "merge_group"].contains(name) else {
            return fullTree("the GitHub event \(name.isEmpty ? "(unnamed)" : "`\(name)`") names no commit range")
        }
        guard let path = environment["GITHUB_EVENT_PATH"], !path.isEmpty else {
            return fullTree("GITHUB_EVENT_PATH is not set")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return fullTree("cannot read the event file \(path)")
        }
        guard let event = try? JSONValue.parse(data), event.objectValue != nil else {
            return fullTree("the event file \(path) is not a GitHub event payload")
        }
        let base: String?
        let head: String?
        switch name {
        case "push":
            base = event["before"]?.stringValue
            head = event["after"]?.stringValue ?? environment["GITHUB_SHA"]
        case "merge_group":
            base = event["merge_group"]?["base_sha"]?.stringValue
            head = event["merge_group"]?["head_sha"]?.stringValue ?? environment["GITHUB_SHA"]
        default:
            base = event["pull_request"]?["base"]?["sha"]?.stringValue
            head = event["pull_request"]?["head"]?["sha"]?.stringValue
        }
        guard let base, !base.isEmpty else {
            var plan = fullTree("the `\(name)` event has no base commit")
            plan.head = head ?? plan.head
            return plan
        }
        return CIPlan(base: base, head: head)
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    private static func gitlab(_ environment: [String: String]) -> CIPlan {
        let source = environment["CI_PIPELINE_SOURCE"] ?? ""
        let head = environment["CI_COMMIT_SHA"]
        if source == "merge_request_event" {
            guard let base = environment["CI_MERGE_REQUEST_DIFF_BASE_SHA"], !base.isEmpty else {
                return CIPlan(fullTreeReason: "the merge request pipeline has no CI_MERGE_REQUEST_DIFF_BASE_SHA")
            }
            return CIPlan(base: base, head: head)
        }
        guard source.isEmpty || source == "push" else {
            return CIPlan(fullTreeReason: "a `\(source)` pipeline names no commit range")
        }
        guard let base = environment["CI_COMMIT_BEFORE_SHA"], !base.isEmpty else {
            return CIPlan(fullTreeReason: "CI_COMMIT_BEFORE_SHA is not set")
        }
        return CIPlan(base: base, head: head)
    }

    /// `CI_NODE_INDEX`/`CI_NODE_TOTAL` (1-based, as GitLab's `parallel:` sets them) as a shard; nil when unset.
    static func shard(_ environment: [String: String]) throws -> Shard? {
        guard let index = environment["CI_NODE_INDEX"], let total = environment["CI_NODE_TOTAL"], !index.isEmpty,
            !total.isEmpty
        else { return nil }
        guard let shard = try? Shard.parse("\(index)/\(total)") else {
            throw Failure.usage(
                "CI_NODE_INDEX=\(index.debugDescription) and CI_NODE_TOTAL=\(total.debugDescription) must be whole numbers with 1 <= CI_NODE_INDEX <= CI_NODE_TOTAL (the index is 1-based)"
            )
        }
        return shard
    }
}
