import ImageModel

/// Every planned (repository, digest)'s verdict, by the plan's key number, plus the batch failures that decide the exit code.
struct Verdicts {
    var byNumber: [Verdict?]
    var failures: [BatchFailure] = []

    init(plan: Plan, answers given: [BatchAnswer], cache: PositiveCache?) {
        byNumber = [Verdict?](repeating: nil, count: plan.keyCount)
        for number in plan.cachedKeys { byNumber[number] = .available(size: nil, mediaType: nil, cached: true) }
        // A batch the registry left unanswered is a verification error, never a silent pass.
        var answered = Set<LayerBatch>()
        for answer in given { answered.insert(answer.batch) }
        let answers =
            given
            + plan.batches.filter { !answered.contains($0) }.map {
                BatchAnswer(batch: $0, failure: BatchFailure(.unverifiable, "the service was never asked (no answer)"))
            }
        var confirmed: [(RepositoryRef, Digest)] = []
        for answer in answers {
            if let failure = answer.failure { failures.append(failure) }
            failures += answer.digestFailures.values
            let numberOf = plan.numbers(in: answer.batch.repository)
            for (index, digest) in answer.batch.digests.enumerated() {
                guard let number = numberOf(digest) else { continue }
                if let failure = answer.failure ?? answer.digestFailures[digest] {
                    byNumber[number] = .failed(failure)
                } else if let layer = answer.verdict(at: index) {
                    switch layer {
                    case .available(let size, let mediaType):
                        byNumber[number] = .available(size: size, mediaType: mediaType, cached: false)
                        if cache != nil { confirmed.append((answer.batch.repository, digest)) }
                    case .unavailable(let reason):
                        byNumber[number] = .unavailable(reason)
                    case .invalid(let reason):
                        byNumber[number] = .invalid(reason)
                    }
                } else {
                    byNumber[number] = .failed(
                        BatchFailure(.unverifiable, "the service's answer did not mention \(digest)"))
                }
            }
        }
        if let cache, !confirmed.isEmpty { cache.recordAvailable(confirmed) }
    }
}

/// The service's or the cache's verdict on one (repository, digest).
enum Verdict {
    case available(size: Int64?, mediaType: String?, cached: Bool)
    case unavailable(String)
    case invalid(String)
    case failed(BatchFailure)
}
