import ImageModel

extension OutputFormats {
    /// The repositories `images(of:in:resolver:)` can plan `output`'s images under, predicted without reading it:
    /// from its path alone when `--repository` or a config `images` entry names the repository (the name annotations
    /// are not consulted then), else as the output's format predicts it (an OCI layout from its `index.json`).
    public func forecast(_ output: ImageOutput, in source: FileSource, resolver: RepositoryResolver)
        -> RepositoryForecast
    {
        if let fixed = resolver.resolve(outputPath: output.path, name: nil) { return .repositories([fixed]) }
        // A kind no format reads yields no image.
        guard let format = format(of: output.kind) else { return .repositories([]) }
        return format.forecast(of: output, in: source, resolver: resolver)
    }
}

extension OCILayoutFormat {
    /// Reads `index.json` alone (one small document): enough when every entry is a manifest named there.
    public func forecast(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver)
        -> RepositoryForecast
    {
        let reader = LayoutReader(source: source, resolver: resolver, format: self)
        return reader.forecast(indexAt: OutputPath.join(root(of: output), "index.json"), of: output)
    }
}

extension LayoutReader {
    /// Names an output's images the way the walk does, from its top index and, for an entry naming a nested index (a
    /// multi-platform image as buildx writes it), that index: an entry's name annotation, else the name of the index
    /// above. An entry whose document may carry its own name (an index nested deeper, an entry of no media type, an
    /// unnamed manifest) makes the layout `.unknown`; an index that cannot be read or parsed yields no image, and an entry
    /// of another media type is not followed. (A referrer whose subject is a named nested index is not foreseen: that
    /// only costs an extra call.)
    func forecast(indexAt path: String, of output: ImageOutput) -> RepositoryForecast {
        guard case .index(let index)? = forecastDocument(at: path, declared: MediaType.ociIndex, of: output) else {
            return .repositories([])
        }
        let indexName = imageName(from: index.annotations)
        var repositories = Set<RepositoryRef>()
        for descriptor in index.manifests {
            guard let names = forecastNames(of: descriptor, above: indexName, of: output) else { return .unknown }
            for name in names {
                if let repository = resolver.resolve(outputPath: output.path, name: name) {
                    repositories.insert(repository)
                }
            }
        }
        return .repositories(repositories)
    }

    /// The names the images under one index entry take (none for an entry the walk does not follow or a nested index that
    /// cannot be read); nil when they cannot be foreseen. `nested`: the entry is already inside a nested index.
    private func forecastNames(of descriptor: Descriptor, above: String?, of output: ImageOutput, nested: Bool = false)
        -> [String]?
    {
        if let type = descriptor.mediaType, !MediaType.isIndex(type), !MediaType.isManifest(type) { return [] }
        let name = imageName(from: descriptor.annotations) ?? above
        if MediaType.isManifest(descriptor.mediaType) { return name.map { [$0] } }
        guard !nested, MediaType.isIndex(descriptor.mediaType), let digest = descriptor.validDigest else { return nil }
        let paths = format.documentPaths(of: digest, root: format.root(of: output))
        let type = descriptor.mediaType
        guard let document = paths.lazy.compactMap({ self.forecastDocument(at: $0, declared: type, of: output) }).first
        else { return [] }
        guard case .index(let inner) = document else { return nil }
        let innerName = imageName(from: inner.annotations) ?? name
        var names: [String] = []
        for entry in inner.manifests {
            guard let more = forecastNames(of: entry, above: innerName, of: output, nested: true) else { return nil }
            names += more
        }
        return names
    }

    /// One document of the output, parsed; nil when it is missing, unreadable or not a manifest or index.
    private func forecastDocument(at path: String, declared: String?, of output: ImageOutput) -> ParsedDocument? {
        guard
            case .file(let data) = source.read(
                path, limit: Int64(DocumentParser.maxDocumentSize), within: format.root(of: output))
        else { return nil }
        return try? DocumentParser.parse(data, declaredMediaType: declared)
    }
}
