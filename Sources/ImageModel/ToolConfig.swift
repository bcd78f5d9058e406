/// `.verify-layers.yml` as the tool uses it (SPEC §3.2); defaults match a missing file.
public struct ToolConfig: Sendable, Equatable {
    public var registry: String?
    public var images: [ImageMapping] = []
    public var exclude: [String] = []
    public var checkConfigBlob = true
    public var strict = false
    /// Seconds a positive answer stays cached; 0 disables the cache.
    public var cacheTTL: Double = 3600
    /// `via:`; nil when the file does not say (the flag, else `auto`).
    public var via: CheckWay?
    /// `check-manifests:`: whether an unpublished manifest or moved tag is an error, a warning, or not checked.
    public var checkManifests: ManifestCheckLevel = .error
    /// Where the config was read from (`.verify-layers.yml` or the `--config` path).
    public var source: String?

    public init() {}
}
