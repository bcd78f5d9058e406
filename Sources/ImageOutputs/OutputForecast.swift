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
    /// Names an output's images the way the walk does, from its top index only: an entry's name annotation, else the
    /// index's own. An entry whose document may carry its own name (a nested index, an entry of no media type, an
    /// unnamed manifest) makes the layout `.unknown`; an index that cannot be read or parsed yields no image, and an
    /// entry of another media type is not followed. (A referrer whose subject is a named nested index is not foreseen:
    /// that only costs an extra call.)
    func forecast(indexAt path: String, of output: ImageOutput) -> RepositoryForecast {
        guard
            case .file(let data) = source.read(
                path, limit: Int64(DocumentParser.maxDocumentSize), within: format.root(of: output)),
            case .index(let index)? = try? DocumentParser.parse(data, declaredMediaType: MediaType.ociIndex)
        else { return .repositories([]) }
        let indexName = imageName(from: index.annotations)
        var repositories = Set<RepositoryRef>()
        for descriptor in index.manifests {
            if let type = descriptor.mediaType, !MediaType.isIndex(type), !MediaType.isManifest(type) { continue }
            guard MediaType.isManifest(descriptor.mediaType),
                let name = imageName(from: descriptor.annotations) ?? indexName
            else { return .unknown }
            if let repository = resolver.resolve(outputPath: output.path, name: name) {
                repositories.insert(repository)
            }
        }
        return .repositories(repositories)
    }
}
