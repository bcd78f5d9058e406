import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GitAccess

/// `verify-layers ci`: checks what a GitHub Actions or GitLab CI run introduced, in the format that environment reads.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Check what a GitHub Actions or GitLab CI pipeline run introduced.",
        discussion: """
            The range comes from the event (GitHub push: before..after, pull_request: base..head; GitLab: \
            CI_COMMIT_BEFORE_SHA or CI_MERGE_REQUEST_DIFF_BASE_SHA). When the base is unknown, all zeros, or missing \
            from a shallow clone, the full tree at HEAD is checked instead. The positive cache is not used.
            """
    )

    @OptionGroup(title: "Scan options") var scan: ScanOptions
    @OptionGroup(title: "Service options") var service: ServiceOptions
    @OptionGroup(title: "Output options") var output: OutputOptions
    var options: SharedOptions { SharedOptions(scan: scan, service: service, output: output) }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        try runReportingFailures {
            var effective = options
            if effective.shard == nil { effective.shard = try CIEnvironment.shard(environment) }
            var context = try RunContext(options: effective, environment: environment)
            context.command = .ci
            let plan = CIEnvironment.plan(environment)
            let progress = ProgressLine.make(quiet: options.quiet, environment: environment)
            defer { progress?.finish() }
            switch try range(plan, context: context) {
            case .range(let request):
                return try context.verifyIntroduced(try context.planIntroduced([request], progress: progress), defaultFormat: plan.defaultFormat,
                                                    progress: progress)
            case .fullTree(let reason):
                Console.err("verify-layers: \(reason); checking the full tree at HEAD")
                let head = try context.commit("HEAD")
                let config = try context.config(at: head)
                return try context.verifyTree(head, config: config, defaultFormat: plan.defaultFormat, progress: progress)
            }
        }
    }

    enum Target {
        case range(RangeRequest)
        case fullTree(String)
    }

    /// Turns the plan into commits of this clone, falling back to the full tree when the base is not usable here.
    private func range(_ plan: CIPlan, context: RunContext) throws -> Target {
        guard let baseText = plan.base else { return .fullTree(plan.fullTreeReason ?? "no commit range") }
        guard let base = ObjectID(hex: baseText.lowercased()) else { return .fullTree("the base commit \(baseText.debugDescription) is not a commit id") }
        if base.isZero { return .fullTree("the base commit is all zeros (a new branch, tag or first push)") }
        guard let baseCommit = context.peeledCommit(base) else {
            return .fullTree("the base commit \(base.short) is not in this clone (a shallow checkout; fetch-depth: 0 or GIT_DEPTH: 0 fetches it)")
        }
        var head = try context.commit("HEAD")
        if let headText = plan.head, let id = ObjectID(hex: headText.lowercased()), let commit = context.peeledCommit(id) { head = commit }
        return .range(RangeRequest(tip: head, hidden: [baseCommit]))
    }
}
