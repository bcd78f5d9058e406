import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// At most 100 digests of one repository: one `BatchCheckLayerAvailability` call.
public struct LayerBatch: Sendable, Hashable {
    public var repository: RepositoryRef
    public var digests: [Digest]
    /// The plan's key number of each digest, in `digests` order, when a plan made the batch (else empty): answers are
    /// folded into the verdicts by these, without looking each digest up again. Not part of the batch's identity.
    public private(set) var keys: [Int32] = []

    public init(repository: RepositoryRef, digests: [Digest]) {
        self.repository = repository
        self.digests = digests
    }

    /// Adds `digest`, numbered `key` by the plan.
    mutating func append(_ digest: Digest, key: Int32) {
        if keys.count != digests.count { keys = [] }
        digests.append(digest)
        if keys.count + 1 == digests.count { keys.append(key) }
    }

    /// The key number of the `index`th digest, when the plan's numbers came with the batch.
    func key(at index: Int) -> Int? {
        index < keys.count && keys.count == digests.count ? Int(keys[index]) : nil
    }

    public static func == (lhs: LayerBatch, rhs: LayerBatch) -> Bool {
        lhs.repository == rhs.repository && lhs.digests == rhs.digests
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(repository)
        hasher.combine(digests)
    }

    /// The service's per-call limit.
    public static let maxDigests = 100
}

/// The service's verdict on one digest; only `.available` ever counts as present.
public enum LayerAnswer: Sendable, Equatable {
    case available(size: Int64?, mediaType: String?)
    case unavailable(reason: String)
    case invalid(reason: String)
}

/// Why a whole batch could not be verified; decides exit 1, 77 or 69.
public struct BatchFailure: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// RepositoryNotFoundException / RegistryNotFoundException: a finding, exit 1.
        case repositoryNotFound
        /// No credentials, rejected credentials, access denied: exit 77.
        case credentials
        /// Unreachable, 5xx or throttling after retries, timeout, malformed answer: exit 69.
        case unverifiable
        /// The settings make the call impossible (the registry way without a registry alias): exit 78.
        case configuration
    }
    public var kind: Kind
    public var message: String
    /// For a missing-credentials failure, the sources tried by name (`environment`, `shared files`, ...).
    public var tried: [String] = []
    /// True when no credentials were found at all (as opposed to found and rejected).
    public var noCredentials = false

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The answer to one batch: per-digest verdicts for what the service confirmed, or a failure for the whole batch.
public struct BatchAnswer: Sendable {
    public var batch: LayerBatch
    /// Verdicts in `batch.digests` order, nil where the service said nothing: a run holds every answer until reading
    /// ends, and a hash table of 100 entries costs several times what the entries do.
    public private(set) var verdicts: [LayerAnswer?]
    public var failure: BatchFailure?
    /// Digests that could not be verified one by one (the registry way asks per blob), when the rest of the batch could.
    public var digestFailures: [Digest: BatchFailure] = [:]

    public init(
        batch: LayerBatch, answers: [Digest: LayerAnswer] = [:], failure: BatchFailure? = nil,
        digestFailures: [Digest: BatchFailure] = [:]
    ) {
        self.batch = batch
        self.verdicts = answers.isEmpty ? [] : batch.digests.map { answers[$0] }
        self.failure = failure
        self.digestFailures = digestFailures
    }

    /// With the verdicts already in `batch.digests` order.
    public init(batch: LayerBatch, verdicts: [LayerAnswer?]) {
        self.batch = batch
        self.verdicts = verdicts.allSatisfy { $0 == nil } ? [] : verdicts
    }

    /// The verdict on the `index`th digest of the batch.
    public func verdict(at index: Int) -> LayerAnswer? {
        index < verdicts.count ? verdicts[index] : nil
    }

    /// The verdicts by digest, for callers that look one up by value.
    public var answers: [Digest: LayerAnswer] {
        get {
            var byDigest: [Digest: LayerAnswer] = [:]
            for (digest, verdict) in zip(batch.digests, verdicts) { if let verdict { byDigest[digest] = verdict } }
            return byDigest
        }
        set { verdicts = newValue.isEmpty ? [] : batch.digests.map { newValue[$0] } }
    }
}

/// Sees batches as a registry queues and answers them: what a progress line counts, without the registry knowing about terminals.
public struct CallObserver: Sendable {
    public var queued: @Sendable (LayerBatch) -> Void
    public var answered: @Sendable (LayerBatch) -> Void

    public init(queued: @escaping @Sendable (LayerBatch) -> Void, answered: @escaping @Sendable (LayerBatch) -> Void) {
        self.queued = queued
        self.answered = answered
    }
}

/// Anything that can answer `BatchCheckLayerAvailability`; the ECR Public client in production, fakes in tests.
public protocol LayerRegistry {
    /// Answers every batch (in any order); never throws, failures are carried per batch.
    func check(_ batches: [LayerBatch]) -> [BatchAnswer]
    /// The same, for batches that keep arriving until the stream finishes.
    func check(stream: BatchStream) -> [BatchAnswer]
    /// The same, handing each answer to `deliver` (on the calling thread) as soon as it is final instead of returning
    /// them all at the end, so a large run need not hold every answer at once.
    func check(stream: BatchStream, delivering deliver: @escaping (BatchAnswer) -> Void)
}

/// Remembers digests the service confirmed, so repeated pushes skip the call (SPEC §7); never holds a negative.
public protocol PositiveCache {
    func isKnownAvailable(_ digest: Digest, in repository: RepositoryRef) -> Bool
    func recordAvailable(_ entries: [(RepositoryRef, Digest)])
}

extension LayerRegistry {
    /// Registries that cannot overlap with reading answer once everything has been read.
    public func check(stream: BatchStream) -> [BatchAnswer] {
        check(stream.all())
    }

    /// Registries that answer everything at the end deliver it then.
    public func check(stream: BatchStream, delivering deliver: @escaping (BatchAnswer) -> Void) {
        check(stream: stream).forEach(deliver)
    }
}
