/// The media types the reader distinguishes; unknown ones are carried as strings and never an error (OCI spec), unless
/// they are no media type at all (`isWellFormed`).
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    public static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let inToto = "application/vnd.in-toto+json"
    /// The artifact manifest of the OCI 1.1 release candidates (`blobs`, no `config`), withdrawn before 1.1 was released:
    /// oras 1.0 and early oras-go v2 wrote it, registries no longer accept it.
    public static let ociArtifactManifest = "application/vnd.oci.artifact.manifest.v1+json"

    /// The digest of the OCI empty descriptor `{}`.
    public static let emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

    /// Media types seen on nearly every descriptor: a parsed value equal to one of these is replaced by the shared constant,
    /// so tens of thousands of layers do not each hold their own copy of the same text.
    static let common: [String] = [
        "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.v1.tar",
        ociConfig, dockerConfig, ociManifest, dockerManifest, ociIndex, dockerList, ociEmpty, inToto,
    ]

    /// The shared constant whose UTF-8 is `bytes`, or nil: a descriptor's media type interned before any `String` is
    /// made for it.
    public static func interned(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String? {
        for known in common {
            let same = known.utf8.withContiguousStorageIfAvailable { stored in
                stored.count == bytes.count && sameBytes(stored, bytes)
            }
            if same == true { return known }
        }
        return nil
    }

    private static func sameBytes(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<lhs.count where lhs[index] != rhs[index] { return false }
        return true
    }

    public static func interned(_ type: String) -> String {
        for known in common where known == type { return known }
        return type
    }

    public static func isIndex(_ type: String?) -> Bool {
        type == ociIndex || type == dockerList
    }

    public static func isManifest(_ type: String?) -> Bool {
        type == ociManifest || type == dockerManifest
    }

    /// A layer that is a filesystem changeset (OCI or Docker tar layer, or no media type said), whose digest can be
    /// compared with the config's `rootfs.diff_ids`; not an in-toto attestation, a signature or an artifact's blob.
    public static func isFilesystemLayer(_ type: String?) -> Bool {
        guard let type, !type.isEmpty else { return true }
        return type.hasPrefix("application/vnd.oci.image.layer.")
            || type.hasPrefix("application/vnd.docker.image.rootfs.")
    }

    /// A media type as image-spec's descriptor schema takes it (RFC 6838 `type/subtype`, restricted-name characters, at
    /// most 127 each): `invalid` or an empty string is no media type, unknown or not.
    public static func isWellFormed(_ type: String) -> Bool {
        let parts = type.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, part.utf8.count <= 127, isAlphanumeric(first) else { return false }
            return part.utf8.allSatisfy { isAlphanumeric($0) || "!#$&^_.+-".utf8.contains($0) }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// Docker's schema 1 manifest (signed or not), which old manifest lists name: not read.
    public static func isDockerSchema1(_ type: String?) -> Bool {
        type == "application/vnd.docker.distribution.manifest.v1+json"
            || type == "application/vnd.docker.distribution.manifest.v1+prettyjws"
    }

    /// Non-distributable (OCI) and foreign (Docker) layers are never pushed to a registry.
    public static func isNonDistributable(_ type: String) -> Bool {
        type.hasPrefix("application/vnd.oci.image.layer.nondistributable.")
            || type.hasPrefix("application/vnd.docker.image.rootfs.foreign.")
    }
}
