/// One place considered as an image output and what became of it, so `list -v` can show that nothing was skipped in silence.
public struct OutputCandidate: Codable, Sendable, Hashable {
    /// Repo-relative path of the directory or file.
    public var path: String
    /// What it was taken for (`oci-layout`, `skopeo-dir`, `manifest-file`, `oci-archive`, `docker-archive`, `tar-archive`, …).
    public var kind: String
    public var read: Bool
    /// Why it was read (what it is) or why not.
    public var reason: String

    public init(path: String, kind: String, read: Bool, reason: String) {
        self.path = path
        self.kind = kind
        self.read = read
        self.reason = reason
    }
}
