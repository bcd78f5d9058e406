import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Hashes content for local integrity checks (manifests, blobs, LFS objects).
public enum ContentDigest {
    public static func compute(_ data: Data, algorithm: String) -> Digest? {
        var hasher = ContentHasher(algorithm: algorithm)
        data.withUnsafeBytes { hasher?.update($0) }
        return hasher?.finalize()
    }
}

/// An incremental sha256/sha512, so a large layer is hashed in chunks straight from where it lies, never copied whole.
public struct ContentHasher {
    private enum State {
        case sha256(SHA256)
        case sha512(SHA512)
    }
    private var state: State
    public let algorithm: String

    /// nil for an algorithm the digest grammar does not allow.
    public init?(algorithm: String) {
        switch algorithm {
        case "sha256": state = .sha256(SHA256())
        case "sha512": state = .sha512(SHA512())
        default: return nil
        }
        self.algorithm = algorithm
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha512(hasher)
        }
    }

    public func finalize() -> Digest? {
        switch state {
        // From the hash's own bytes: copying them into an Array first cost more than hashing a small blob.
        case .sha256(let hasher): return hasher.finalize().withUnsafeBytes { Digest(sha256Bytes: $0) }
        case .sha512(let hasher): return hasher.finalize().withUnsafeBytes { Digest(sha512Bytes: $0) }
        }
    }
}
