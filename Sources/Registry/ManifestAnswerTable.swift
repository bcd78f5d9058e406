import Checking

extension ManifestAnswer {
    /// What both ways of asking hand back: each query's answer (kept by position while the queue ran) keyed by query;
    /// a query left unanswered is a failure naming who was never asked (`the registry`, `the service`), never a pass.
    static func byQuery(_ queries: [ManifestQuery], _ answers: [ManifestAnswer?], asked: String)
        -> [ManifestQuery: ManifestAnswer]
    {
        var result: [ManifestQuery: ManifestAnswer] = [:]
        for (index, query) in queries.enumerated() {
            result[query] =
                answers[index]
                ?? .failed(BatchFailure(.unverifiable, "\(asked) was never asked about \(query.reference) (no answer)"))
        }
        return result
    }
}
