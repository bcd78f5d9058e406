/// The API way cannot read a manifest (ECR Public has no `BatchGetImage`), but every public manifest can be pulled:
/// lookups that need the manifest's config go to the registry, the rest to the primary way. Without a reader (the API
/// endpoint was pointed elsewhere and the registry was not, so the public registry is not the service being asked), no
/// config is read: those lookups become plain tag lookups on the primary way.
public struct ConfigReadingManifests: ManifestRegistry {
    public var primary: ManifestRegistry
    public var reader: ManifestRegistry?

    public init(primary: ManifestRegistry, reader: ManifestRegistry?) {
        self.primary = primary
        self.reader = reader
    }

    public var readsConfigs: Bool { reader != nil }

    public func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer] {
        // Without a reader, `ManifestChecks` plans no config-reading lookup (`readsConfigs` is false).
        guard let reader else { return primary.checkManifests(queries) }
        let reading = queries.filter(\.readsConfig)
        var answers = primary.checkManifests(queries.filter { !$0.readsConfig })
        if !reading.isEmpty { answers.merge(reader.checkManifests(reading)) { $1 } }
        return answers
    }
}
