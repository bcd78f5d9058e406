import ImageModel

/// What one archive may cost to read: a tar bomb or a hostile header hits one of these and becomes a finding naming it,
/// instead of exhausting memory, disk or time.
public struct ArchiveLimits: Sendable {
    /// Members (headers) read; real image archives hold a few hundred.
    public var maxMembers: Int = 100_000
    /// Decompressed bytes read in total (the tar stream, not the file in git).
    public var maxTotalBytes: Int64 = 64 << 30
    /// The largest member a header may declare (a layer over 1 TiB is not real, as for layouts).
    public var maxMemberSize: Int64 = LayoutReader.maxBlobSize
    /// JSON members kept in memory, in total: every document of the archive, never its layers.
    public var maxKeptBytes: Int64 = 256 << 20
    /// Members before any image marker (`oci-layout`, `index.json`, `manifest.json`) after which an archive is taken for
    /// something else (a source tarball) and not read further.
    public var maxLeadingUnknownMembers: Int = 16

    public init() {}

    public static let standard = ArchiveLimits()
}
