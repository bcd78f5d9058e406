/// The kind of an image output, as reports and `list` name it (`oci-layout`, `skopeo-dir`, …): an open set of names,
/// one per `OutputFormat`, so a new format brings its own kind without touching a central enum.
public struct OutputKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let ociLayout = OutputKind("oci-layout")
    public static let skopeoDir = OutputKind("skopeo-dir")
    public static let manifestFile = OutputKind("manifest-file")
    /// A tar archive (plain or gzip) holding an OCI layout or a docker archive; which one is found when it is read.
    public static let tarArchive = OutputKind("tar-archive")
}

/// An image output at a path in a commit.
public struct ImageOutput: Sendable, Hashable {
    public var kind: OutputKind
    /// Repo-relative directory (layouts) or file (manifest files).
    public var path: String

    public init(kind: OutputKind, path: String) {
        self.kind = kind
        self.path = path
    }
}
