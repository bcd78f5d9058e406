import ImageModel

/// The API way's manifest lookups, routed to the way that can answer each:
/// - ECR Public's API cannot read a manifest (it has no `BatchGetImage`), but every public manifest can be pulled:
///   lookups that need the manifest's config go to the registry;
/// - `DescribeImages` searches only the caller's own registry (its `registryId` is a 12-digit id, never an alias), so an
///   image under another account's alias is looked up in the registry too;
/// - the rest go to the primary way.
/// Without a reader (the API endpoint was pointed elsewhere and the registry was not, so the public registry is not the
/// service being asked) no config is read, those lookups become plain tag lookups on the primary way, and another
/// account's images are not looked up at all: `unchecked` is told which repositories, rather than a lookup in the wrong
/// registry reporting them missing.
public struct ConfigReadingManifests: ManifestRegistry {
    public var primary: ManifestRegistry
    public var reader: ManifestRegistry?
    /// Whether a repository is under another account's registry alias (which the API cannot look up).
    public var isForeign: (RepositoryRef) -> Bool
    /// Told the repositories whose lookups no way could make (another account's alias, and no reader).
    public var unchecked: ([RepositoryRef]) -> Void

    public init(
        primary: ManifestRegistry, reader: ManifestRegistry?,
        isForeign: @escaping (RepositoryRef) -> Bool = { _ in false },
        unchecked: @escaping ([RepositoryRef]) -> Void = { _ in }
    ) {
        self.primary = primary
        self.reader = reader
        self.isForeign = isForeign
        self.unchecked = unchecked
    }

    public var readsConfigs: Bool { reader != nil }

    public func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer] {
        let foreign = Set(queries.map(\.repository)).filter(isForeign)
        // Without a reader, `ManifestChecks` plans no config-reading lookup (`readsConfigs` is false).
        guard let reader else {
            if !foreign.isEmpty { unchecked(foreign.sorted()) }
            return primary.checkManifests(queries.filter { !foreign.contains($0.repository) })
        }
        let pulled = queries.filter { $0.readsConfig || foreign.contains($0.repository) }
        var answers = primary.checkManifests(queries.filter { !$0.readsConfig && !foreign.contains($0.repository) })
        if !pulled.isEmpty { answers.merge(reader.checkManifests(pulled)) { $1 } }
        return answers
    }
}
