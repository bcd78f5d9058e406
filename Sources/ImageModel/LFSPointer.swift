#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Git LFS pointer (git-lfs `docs/spec.md`): what git holds in place of content kept in the LFS store, so it must be recognised, never parsed as the content.
public struct LFSPointer: Sendable, Hashable, Codable {
    /// Pointers are under 1024 bytes (spec); anything larger is content.
    public static let maxSize = 1024
    /// The current version URL, and the pre-release one git-lfs still reads.
    public static let versions = ["https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"]

    /// The sha256 of the content; a validated digest, so it is safe to build a store path from it.
    public let oid: Digest
    /// The content's size in bytes.
    public let size: Int64

    public init(oid: Digest, size: Int64) {
        self.oid = oid
        self.size = size
    }

    /// The pointer text git-lfs writes for this object.
    public var text: String { "version \(LFSPointer.versions[0])\noid \(oid)\nsize \(size)\n" }

    /// Parses pointer text strictly: `version` first, then `key value` lines with `oid sha256:<64 hex>` and a decimal `size`;
    /// nil for anything else (which is then ordinary content).
    public static func parse(_ data: Data) -> LFSPointer? {
        guard data.count <= maxSize, data.starts(with: "version ".utf8), let text = String(data: data, encoding: .utf8)
        else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first.hasPrefix("version "),
            versions.contains(String(first.dropFirst("version ".count)))
        else { return nil }
        var oid: Digest?
        var size: Int64?
        var previousKey = ""
        for line in lines.dropFirst() {
            guard let space = line.firstIndex(of: " ") else { return nil }
            let key = line[..<space]
            let value = line[line.index(after: space)...]
            guard !key.isEmpty, key.utf8.allSatisfy(isKeyByte), String(key) > previousKey else { return nil }
            previousKey = String(key)
            switch key {
            case "oid":
                guard value.hasPrefix("sha256:"), let digest = Digest(String(value)) else { return nil }
                oid = digest
            case "size":
                guard !value.isEmpty, value.utf8.count <= 19, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                    let number = Int64(value)
                else { return nil }
                size = number
            default:
                guard !value.utf8.contains(0x0D) else { return nil }
            }
        }
        guard let oid, let size else { return nil }
        return LFSPointer(oid: oid, size: size)
    }

    /// `[a-z0-9.-]`, the key alphabet of the spec.
    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 46 || byte == 45
    }
}
