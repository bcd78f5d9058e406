import ImageModel

/// An OCI image layout (`oci-layout` + `index.json` + `blobs/<algorithm>/<hex>`), as buildx `type=oci,tar=false`,
/// skopeo `oci:` and umoci write it: read from `index.json` down.
public struct OCILayoutFormat: OutputFormat {
    public init() {}

    public var kind: OutputKind { .ociLayout }
    public var reason: String { "an OCI image layout (oci-layout + index.json)" }
    public var markerFiles: [String] { ["oci-layout", "index.json"] }

    public func images(of output: ImageOutput, in source: FileSource, resolver: RepositoryResolver) -> ScanResult {
        let reader = LayoutReader(source: source, resolver: resolver, format: self)
        return reader.readIndex(at: OutputPath.join(root(of: output), "index.json"), of: output)
    }
}
