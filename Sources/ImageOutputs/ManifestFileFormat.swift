import ImageModel

/// A standalone image manifest or index file named in `.verify-layers.yml` (`images:` paths or globs over `.json`
/// files); its blobs are looked for under `blobs/` beside it. Never recognised by markers: the configuration names it.
public struct ManifestFileFormat: OutputFormat {
    public init() {}

    public var kind: OutputKind { .manifestFile }
    public var reason: String { "a standalone manifest or index named in .verify-layers.yml" }

    /// Symbolic links stay inside the directory holding the file.
    public func root(of output: ImageOutput) -> String {
        let path = output.path.parentPath
        return path == "." ? "" : path
    }

    public func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        LayoutReader(source: source, resolver: resolver, format: self).readDocument(at: output.path, of: output)
    }
}
