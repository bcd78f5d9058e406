import ImageModel

extension Summary {
    /// The run's totals from the verdicts (every planned blob once) and the findings (by severity).
    static func of(verdicts: Verdicts, plan: Plan, findings: [Finding]) -> Summary {
        var summary = Summary()
        summary.requests = plan.requestCount
        for number in 0..<verdicts.count {
            summary.layers += 1
            switch verdicts.verdict(number) {
            case .available(_, _, let cached)?:
                summary.available += 1
                if cached { summary.cached += 1 }
            case .unavailable?: summary.unavailable += 1
            case .invalid?: summary.invalid += 1
            case .failed?, nil: summary.unverified += 1
            }
        }
        summary.skipped = plan.skippedCount
        summary.invalid += plan.locallyInvalidCount
        // The total is what its parts add up to: skipped blobs and those invalid before any call are blobs too.
        summary.layers += plan.skippedCount + plan.locallyInvalidCount
        summary.count(findings)
        return summary
    }
}
