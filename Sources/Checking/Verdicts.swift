import ImageModel

/// Every planned (repository, digest)'s verdict, by the plan's key number, plus the batch failures that decide the exit
/// code. Answers are folded in as they arrive and let go, so a run never holds them all; a verdict takes 13 bytes (a
/// state, the service's size, an interned media type), reasons and failures are kept aside for the few keys that have them.
struct Verdicts {
    private enum State: UInt8 {
        case none, available, cached, unavailable, invalid, failed
        /// Let go (`retire`): counted in `retired`, no longer a verdict.
        case retired
    }

    // In chunks, so growing with the plan never holds an old and a new copy at once.
    private var states = ChunkedArray<State>()
    private var sizes = ChunkedArray<Int64>()
    /// Index into `mediaTypeNames` + 1; 0 when the service gave none.
    private var mediaTypes = ChunkedArray<UInt32>()
    private var mediaTypeNames: [String] = []
    private var mediaTypeIndex: [String: UInt32] = [:]
    /// The reason of an unavailable or invalid key, when the service gave one.
    private var reasons: [Int32: String] = [:]
    /// The failure of a failed key, as an index into `failures`.
    private var failureOf: [Int32: Int32] = [:]
    /// Every batch failure once (a failure repeated by consecutive answers is kept once): what the exit code and the
    /// run-wide failure are decided from.
    private(set) var failures: [BatchFailure] = []
    /// Keys the service confirmed in this run, for the positive cache (only collected when there is one).
    private var confirmed: [(number: Int, repository: RepositoryRef, digest: Digest)] = []
    private let collectsConfirmed: Bool
    /// The verdicts of the keys let go (`retire(_:emptiedChunks:)`), counted as the summary counts them.
    private var retired = BlobTally()
    /// Whether the service gave any verdict in this run (a run-wide failure is one where it gave none).
    private(set) var anyAnswered = false
    /// How many of the plan's cached keys were marked so far.
    private var cachedMarked = 0

    init(collectingConfirmed: Bool) {
        collectsConfirmed = collectingConfirmed
    }

    /// Folds every answer at once, then settles (the path that reads everything before asking).
    init(plan: Plan, answers: [BatchAnswer], collectingConfirmed: Bool) {
        self.init(collectingConfirmed: collectingConfirmed)
        for answer in answers { fold(answer, plan: plan) }
        settle(plan: plan)
    }

    /// How many keys have a place (the plan's key count once settled).
    var count: Int { states.count }

    /// The verdict on key `number`, nil when there is none.
    func verdict(_ number: Int) -> Verdict? {
        guard number < states.count else { return nil }
        switch states[number] {
        case .none, .retired: return nil
        case .available, .cached:
            let type = mediaTypes[number]
            return .available(
                size: sizes[number] < 0 ? nil : sizes[number],
                mediaType: type == 0 ? nil : mediaTypeNames[Int(type) - 1],
                cached: states[number] == .cached)
        case .unavailable: return .unavailable(reasons[Int32(number)] ?? "")
        case .invalid: return .invalid(reasons[Int32(number)] ?? "")
        case .failed: return .failed(failures[Int(failureOf[Int32(number)] ?? 0)])
        }
    }

    /// Records one batch's answer: a verdict for every digest of the batch the plan numbered.
    mutating func fold(_ answer: BatchAnswer, plan: Plan) {
        grow(to: plan.keyCount)
        var batchFailure: Int32?
        if let failure = answer.failure { batchFailure = record(failure) }
        var digestFailures: [Digest: Int32] = [:]
        for (digest, failure) in answer.digestFailures { digestFailures[digest] = record(failure) }
        // A plan's batch names each digest's key; any other is looked up by digest.
        let numberOf = answer.batch.key(at: 0) == nil ? plan.numbers(in: answer.batch.repository) : nil
        for (index, digest) in answer.batch.digests.enumerated() {
            guard let number = answer.batch.key(at: index) ?? numberOf?(digest) else { continue }
            if let failure = batchFailure ?? digestFailures[digest] {
                fail(number, failure)
            } else if let layer = answer.verdict(at: index) {
                set(number, layer)
                if collectsConfirmed, case .available = layer {
                    confirmed.append((number, answer.batch.repository, digest))
                }
            } else {
                let failure = record(BatchFailure(.unverifiable, "the service's answer did not mention \(digest)"))
                fail(number, failure)
            }
        }
    }

    /// Once every answer is in: keys the positive cache vouches for are available, and a key nobody answered is a
    /// verification error, never a silent pass.
    mutating func settle(plan: Plan) {
        markCached(plan: plan)
        failUnanswered(liveRanges.joined())
    }

    /// `settle(plan:)` for `keys` alone (a repository done before the others): a key without a verdict fails.
    mutating func settle(_ keys: [Int32]) {
        failUnanswered(keys.lazy.map { Int($0) })
    }

    /// Fails each of `numbers` that has no verdict, all with one "never asked" failure: never a silent pass.
    private mutating func failUnanswered(_ numbers: some Sequence<Int>) {
        var neverAsked: Int32?
        for number in numbers where states[number] == .none {
            let failure =
                neverAsked ?? record(BatchFailure(.unverifiable, "the service was never asked (no answer)"))
            neverAsked = failure
            fail(number, failure)
        }
    }

    /// Marks the keys the positive cache vouched for since the last call available (before their images are judged).
    mutating func markCached(plan: Plan) {
        grow(to: plan.keyCount)
        let cached = plan.cachedKeys
        while cachedMarked < cached.count {
            let number = cached[cachedMarked]
            if !isRetired(number) { states[number] = .cached }
            cachedMarked += 1
        }
    }

    /// Lets the verdicts on `keys` go, once every image naming them is judged: they are counted for the summary, and
    /// the chunks of key numbers no key is left in (`PlanKeys.remove`) are let go.
    mutating func retire(_ keys: [Int32], emptiedChunks: [Int]) {
        for key in keys {
            let number = Int(key)
            retired.add(verdict(number))
            states[number] = .retired
            if !reasons.isEmpty { reasons[key] = nil }
            if !failureOf.isEmpty { failureOf[key] = nil }
        }
        for chunk in emptiedChunks {
            states.release(chunk: chunk)
            sizes.release(chunk: chunk)
            mediaTypes.release(chunk: chunk)
        }
    }

    /// Every key's verdict counted, those let go included (the summary's counts of distinct (repository, digest) keys).
    var tally: BlobTally {
        var total = retired
        for number in liveRanges.joined() where states[number] != .retired { total.add(verdict(number)) }
        return total
    }

    /// The key numbers of the chunks not let go, a range per chunk (a key let go in a kept chunk is `.retired`).
    private var liveRanges: [Range<Int>] {
        let size = ChunkedArray<State>.chunkSize
        return stride(from: 0, to: states.count, by: size).filter { !states.isReleased(chunk: $0 / size) }.map {
            $0..<min($0 + size, states.count)
        }
    }

    private func isRetired(_ number: Int) -> Bool {
        states.isReleased(chunk: number / ChunkedArray<State>.chunkSize) || states[number] == .retired
    }

    /// What the service confirmed AVAILABLE in this run, for the positive cache, leaving out the keys in `doubted`:
    /// a blob the service has but whose size or media type disagrees with its descriptor is a finding, and caching it
    /// would let the next push pass without it (SPEC §7: never a negative).
    func confirmedEntries(excluding doubted: Set<Int>) -> [(RepositoryRef, Digest)] {
        confirmed.filter { !doubted.contains($0.number) }.map { ($0.repository, $0.digest) }
    }

    private mutating func grow(to count: Int) {
        guard count > states.count else { return }
        let added = count - states.count
        states.append(repeating: .none, count: added)
        sizes.append(repeating: -1, count: added)
        mediaTypes.append(repeating: 0, count: added)
    }

    private mutating func record(_ failure: BatchFailure) -> Int32 {
        if let last = failures.last, last == failure { return Int32(failures.count - 1) }
        failures.append(failure)
        return Int32(failures.count - 1)
    }

    private mutating func fail(_ number: Int, _ failure: Int32) {
        states[number] = .failed
        failureOf[Int32(number)] = failure
    }

    private mutating func set(_ number: Int, _ layer: LayerAnswer) {
        anyAnswered = true
        switch layer {
        case .available(let size, let mediaType):
            states[number] = .available
            sizes[number] = size ?? -1
            mediaTypes[number] = mediaType.map { typeIndex($0) } ?? 0
        case .unavailable(let reason):
            states[number] = .unavailable
            if !reason.isEmpty { reasons[Int32(number)] = reason }
        case .invalid(let reason):
            states[number] = .invalid
            if !reason.isEmpty { reasons[Int32(number)] = reason }
        }
    }

    /// The media type's place in the table + 1 (a run sees a handful of distinct types).
    private mutating func typeIndex(_ type: String) -> UInt32 {
        if let known = mediaTypeIndex[type] { return known }
        mediaTypeNames.append(type)
        let index = UInt32(mediaTypeNames.count)
        mediaTypeIndex[type] = index
        return index
    }
}

/// The service's or the cache's verdict on one (repository, digest).
enum Verdict {
    case available(size: Int64?, mediaType: String?, cached: Bool)
    case unavailable(String)
    case invalid(String)
    case failed(BatchFailure)
}

extension BlobTally {
    /// Counts one key by its verdict: no verdict, or a failed call, is unverified.
    mutating func add(_ verdict: Verdict?) {
        switch verdict {
        case .available(_, _, let cached)?: add(.available, cached: cached)
        case .unavailable?: add(.unavailable)
        case .invalid?: add(.invalid)
        case .failed?, nil: add(.unverified)
        }
    }
}
