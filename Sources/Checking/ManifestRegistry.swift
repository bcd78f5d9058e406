import ImageModel

/// One committed manifest reference to look up in a repository: by digest (is it published?) or by tag (where does it point?).
public struct ManifestQuery: Sendable, Hashable {
    public var repository: RepositoryRef
    /// A digest (`sha256:…`) or a tag.
    public var reference: String
    /// Read the manifest itself for its config digest (docker archives, whose own manifest is never the published one).
    public var readsConfig: Bool

    public init(repository: RepositoryRef, reference: String, readsConfig: Bool = false) {
        self.repository = repository
        self.reference = reference
        self.readsConfig = readsConfig
    }

    public var isDigest: Bool { Digest(reference) != nil }
}

/// What the registry or API said about one manifest reference; only `.present` counts as published.
public enum ManifestAnswer: Sendable, Equatable {
    /// Found; the digest the repository holds for it, when the answer named one, and its config digest when it was read.
    case present(digest: String?, config: String? = nil)
    case missing(String)
    case failed(BatchFailure)
}

/// Anything that can say whether manifests and tags are published: the registry way, the API way, fakes in tests.
public protocol ManifestRegistry {
    /// Answers every query (deduplicated by the caller); never throws, failures are carried per query.
    func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer]
    /// Whether a `readsConfig` query is answered with the manifest's config digest (a registry can pull the manifest;
    /// the API alone cannot). When false, a docker archive's tag is only looked up, not compared by config.
    var readsConfigs: Bool { get }
}

extension ManifestRegistry {
    public var readsConfigs: Bool { true }
}
