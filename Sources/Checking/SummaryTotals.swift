import ImageModel

extension Summary {
    /// The run's totals from the verdicts (every planned blob once) and the findings (by severity).
    static func of(verdicts: Verdicts, plan: Plan, findings: [Finding]) -> Summary {
        var summary = Summary()
        summary.requests = plan.requestCount
        let tally = verdicts.tally
        summary.layers = tally.total
        summary.available = tally.available
        summary.cached = tally.cached
        summary.unavailable = tally.unavailable
        summary.invalid = tally.invalid
        summary.unverified = tally.unverified
        summary.skipped = plan.skippedCount
        summary.invalid += plan.locallyInvalidCount
        // The total is what its parts add up to: skipped blobs and those invalid before any call are blobs too.
        summary.layers += plan.skippedCount + plan.locallyInvalidCount
        summary.count(findings)
        return summary
    }
}
