import Crypto
import Foundation

/// Hashes content for local integrity checks (manifests, blobs, LFS objects).
public enum ContentDigest {
    public static func compute(_ data: Data, algorithm: String) -> Digest? {
        switch algorithm {
        case "sha256": return Digest("sha256:" + hex(SHA256.hash(data: data)))
        case "sha512": return Digest("sha512:" + hex(SHA512.hash(data: data)))
        default: return nil
        }
    }

    /// Lowercase hex of any digest's bytes.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let table: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
