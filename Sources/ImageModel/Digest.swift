/// A content digest that has passed the OCI grammar check; holding one means it is safe to build a path from it.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let algorithm: String
    public let encoded: String

    /// Validates `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`; anything else is rejected.
    public init?(_ string: String) {
        let bytes = string.utf8
        let algorithm: String
        switch bytes.count {
        case 71 where bytes.starts(with: "sha256:".utf8): algorithm = "sha256"
        case 135 where bytes.starts(with: "sha512:".utf8): algorithm = "sha512"
        default: return nil
        }
        let encoded = bytes.dropFirst(7)
        // Contiguous bytes are checked in a plain loop: digests are validated once per descriptor, tens of thousands per manifest.
        let valid = encoded.withContiguousStorageIfAvailable { buffer in buffer.allSatisfy(Digest.isLowerHex) } ?? encoded.allSatisfy(Digest.isLowerHex)
        guard valid else { return nil }
        self.algorithm = algorithm
        self.encoded = String(Substring(encoded))
    }

    /// Builds a sha256 digest from a bare hex string (skopeo `dir:` blob names, LFS oids).
    public init?(sha256Hex hex: String) {
        self.init("sha256:" + hex)
    }

    public var string: String { "\(algorithm):\(encoded)" }
    public var description: String { string }

    /// The short form people recognise in logs (`sha256:0123456789ab`).
    public var short: String { "\(algorithm):\(encoded.prefix(12))" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.string < rhs.string }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let digest = Digest(raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid digest \(raw.debugQuoted)")
        }
        self = digest
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102)
    }
}

extension String {
    /// A quoted, length-capped rendering of untrusted text for messages.
    public var debugQuoted: String {
        let capped = self.count > 80 ? String(self.prefix(77)) + "..." : self
        var out = "\""
        for scalar in capped.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
