/// `check-manifests:` (SPEC §4.2): the severity of `manifest-unpublished`, or off.
public enum ManifestCheckLevel: String, Sendable, CaseIterable {
    case error, warning, off
}
