import GitAccess

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ci`: what a GitHub Actions or GitLab CI run introduced, in the format that environment reads.
extension RunContext {
    /// Checks the event's range, or the full tree at HEAD when the range is not usable in this clone; returns the exit code.
    func ci(progress: ProgressLine?) throws -> Int32 {
        let plan = CIEnvironment.plan(environment)
        let format = options.reporters.ciDefault(environment: environment) ?? .text
        if nothingCommittedYet() { return try emitEmpty(started: started, defaultFormat: format) }
        switch try ciTarget(plan) {
        case .range(let request):
            return try verifyIntroduced(
                try planIntroduced([request], progress: progress), defaultFormat: format, progress: progress)
        case .fullTree(let reason):
            Console.err("verify-layers: \(reason); checking the full tree at HEAD")
            let head = try commit("HEAD")
            return try verifyTree(head, config: try config(at: head), defaultFormat: format, progress: progress)
        }
    }

    /// What a CI run checks: a range of this clone's commits, or the full tree and why.
    enum CITarget {
        case range(RangeRequest)
        case fullTree(String)
    }

    /// Turns the plan into commits of this clone, falling back to the full tree when the base is not usable here.
    func ciTarget(_ plan: CIPlan) throws -> CITarget {
        guard let baseText = plan.base else {
            if let branch = plan.baseBranch, let base = baseBranchCommit(branch) {
                let why = plan.fullTreeReason ?? "no base commit"
                Console.err("verify-layers: \(why); using GITHUB_BASE_REF \(branch)")
                return .range(RangeRequest(tip: try headCommit(plan), hidden: [base]))
            }
            return .fullTree(plan.fullTreeReason ?? "no commit range")
        }
        guard let base = ObjectID(hex: baseText.lowercased()) else {
            return .fullTree("the base commit \(baseText.debugDescription) is not a commit id")
        }
        if base.isZero { return .fullTree("the base commit is all zeros (a new branch, tag or first push)") }
        guard let baseCommit = peeledCommit(base) else {
            return .fullTree(
                "the base commit \(base.short) is not in this clone (a shallow checkout; fetch-depth: 0 or GIT_DEPTH: 0 fetches it)"
            )
        }
        return .range(RangeRequest(tip: try headCommit(plan), hidden: [baseCommit]))
    }

    /// The event's head commit when this clone has it, else HEAD.
    private func headCommit(_ plan: CIPlan) throws -> ObjectID {
        if let headText = plan.head, let id = ObjectID(hex: headText.lowercased()), let commit = peeledCommit(id) {
            return commit
        }
        return try commit("HEAD")
    }

    /// `GITHUB_BASE_REF`'s commit in this clone: the remote-tracking branch `actions/checkout` fetches, else a local
    /// branch of that name; nil when the clone has neither.
    private func baseBranchCommit(_ branch: String) -> ObjectID? {
        for name in ["refs/remotes/origin/\(branch)", "refs/heads/\(branch)"] {
            if let commit = try? repository.resolveCommit(name) { return commit }
        }
        return nil
    }
}
