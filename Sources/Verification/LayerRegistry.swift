import ImageModel

/// At most 100 digests of one repository: one `BatchCheckLayerAvailability` call.
public struct LayerBatch: Sendable, Hashable {
    public var repository: RepositoryRef
    public var digests: [Digest]

    public init(repository: RepositoryRef, digests: [Digest]) {
        self.repository = repository
        self.digests = digests
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
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The answer to one batch: per-digest verdicts for what the service confirmed, or a failure for the whole batch.
public struct BatchAnswer: Sendable {
    public var batch: LayerBatch
    public var answers: [Digest: LayerAnswer]
    public var failure: BatchFailure?

    public init(batch: LayerBatch, answers: [Digest: LayerAnswer] = [:], failure: BatchFailure? = nil) {
        self.batch = batch
        self.answers = answers
        self.failure = failure
    }
}

/// Anything that can answer `BatchCheckLayerAvailability`; the ECR Public client in production, fakes in tests.
public protocol LayerRegistry {
    /// Answers every batch (in any order); never throws, failures are carried per batch.
    func check(_ batches: [LayerBatch]) -> [BatchAnswer]
}

/// Remembers digests the service confirmed, so repeated pushes skip the call (SPEC §7); never holds a negative.
public protocol PositiveCache {
    func isKnownAvailable(_ digest: Digest, in repository: RepositoryRef) -> Bool
    func recordAvailable(_ entries: [(RepositoryRef, Digest)])
}
