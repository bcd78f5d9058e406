/// A content digest that has passed the OCI grammar check; holding one means it is safe to build a path from it.
/// Stored as the raw hash words (no heap allocation for sha256): a monorepo holds tens of thousands of them, each kept in
/// plans, verdicts and reports, and hashed and compared far more often than rendered.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// sha256: four big-endian words; sha512: eight, boxed (rare).
    private enum Storage: Hashable, Sendable {
        case sha256(UInt64, UInt64, UInt64, UInt64)
        case sha512([UInt64])

        static func == (lhs: Storage, rhs: Storage) -> Bool {
            switch (lhs, rhs) {
            case let (.sha256(a0, a1, a2, a3), .sha256(b0, b1, b2, b3)):
                return a0 == b0 && a1 == b1 && a2 == b2 && a3 == b3
            case let (.sha512(a), .sha512(b)): return a == b
            default: return false
            }
        }

        func hash(into hasher: inout Hasher) {
            switch self {
            case let .sha256(w0, w1, w2, w3):
                // The words are already uniformly distributed; one word is as good a hash seed as all four.
                hasher.combine(w0)
                hasher.combine(w1 ^ w2 ^ w3)
            case let .sha512(words): hasher.combine(words)
            }
        }
    }

    private let storage: Storage

    public var algorithm: String {
        switch storage {
        case .sha256: return "sha256"
        case .sha512: return "sha512"
        }
    }

    /// The lowercase hex after the colon.
    public var encoded: String { rendered(after: "", separator: nil) }

    /// Calls `body` with the hex after the colon as UTF-8, written on the stack (no `String`).
    public func withHex<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: hexCount) { buffer in
            writeHex(into: buffer, at: 0)
            return try body(UnsafeBufferPointer(buffer))
        }
    }

    /// `prefix` + `algorithm/hex`: the path of a blob in a layout, written straight into the string's storage (a scan
    /// builds one per blob).
    public func blobPath(under prefix: String) -> String { rendered(after: prefix, separator: UInt8(ascii: "/")) }

    /// How many hex digits follow the colon.
    private var hexCount: Int {
        switch storage {
        case .sha256: return 64
        case .sha512: return 128
        }
    }

    /// `prefix`, then (with a separator) the algorithm and the separator, then the hex: one allocation, no array.
    private func rendered(after prefix: String, separator: UInt8?) -> String {
        let algorithm: StaticString = hexCount == 64 ? "sha256" : "sha512"
        var prefix = prefix
        return prefix.withUTF8 { head in
            let count = head.count + (separator == nil ? 0 : algorithm.utf8CodeUnitCount + 1) + hexCount
            return String(unsafeUninitializedCapacity: count) { buffer in
                var at = 0
                for byte in head {
                    buffer[at] = byte
                    at += 1
                }
                if let separator {
                    let name = UnsafeBufferPointer(start: algorithm.utf8Start, count: algorithm.utf8CodeUnitCount)
                    for byte in name {
                        buffer[at] = byte
                        at += 1
                    }
                    buffer[at] = separator
                    at += 1
                }
                writeHex(into: buffer, at: at)
                return count
            }
        }
    }

    /// Appends the hex after the colon as UTF-8.
    private func appendHex(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: hexCount))
        bytes.withUnsafeMutableBufferPointer { writeHex(into: $0, at: start) }
    }

    /// Writes the hex after the colon at `start` (16 digits per word).
    private func writeHex(into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        switch storage {
        case let .sha256(w0, w1, w2, w3):
            Digest.writeHex(w0, into: buffer, at: start)
            Digest.writeHex(w1, into: buffer, at: start + 16)
            Digest.writeHex(w2, into: buffer, at: start + 32)
            Digest.writeHex(w3, into: buffer, at: start + 48)
        case let .sha512(words):
            for (index, word) in words.enumerated() { Digest.writeHex(word, into: buffer, at: start + 16 * index) }
        }
    }

    /// Validates `sha256:<64 lowercase hex>` or `sha512:<128 lowercase hex>`; anything else is rejected.
    public init?(_ string: String) {
        var copy = string
        let parsed: Storage? = copy.withUTF8 { Digest.parse($0) }
        guard let parsed else { return nil }
        storage = parsed
    }

    /// Validates the UTF-8 bytes of `sha256:<hex>` / `sha512:<hex>` without building a String.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Digest.parse(bytes) else { return nil }
        storage = parsed
    }

    /// A sha256 digest from the 32 bytes of a hash.
    public init?<Bytes: Collection>(sha256Bytes bytes: Bytes) where Bytes.Element == UInt8 {
        guard let digest = Array(bytes).withUnsafeBytes({ Digest(sha256Bytes: $0) }) else { return nil }
        self = digest
    }

    /// A sha512 digest from the 64 bytes of a hash.
    public init?<Bytes: Collection>(sha512Bytes bytes: Bytes) where Bytes.Element == UInt8 {
        guard let digest = Array(bytes).withUnsafeBytes({ Digest(sha512Bytes: $0) }) else { return nil }
        self = digest
    }

    /// A sha256 digest from the 32 bytes of a hash in memory, without an intermediate array.
    public init?(sha256Bytes raw: UnsafeRawBufferPointer) {
        guard raw.count == 32 else { return nil }
        func word(_ index: Int) -> UInt64 {
            UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        storage = .sha256(word(0), word(1), word(2), word(3))
    }

    /// A sha512 digest from the 64 bytes of a hash in memory.
    public init?(sha512Bytes raw: UnsafeRawBufferPointer) {
        guard raw.count == 64 else { return nil }
        storage = .sha512(
            (0..<8).map { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) })
    }

    /// The four words of a sha256 digest (nil for sha512), for a table that stores digests packed (`DigestTable`).
    @usableFromInline var sha256Words: SIMD4<UInt64>? {
        guard case .sha256(let w0, let w1, let w2, let w3) = storage else { return nil }
        return SIMD4(w0, w1, w2, w3)
    }

    /// The sha256 digest whose words are `words` (`sha256Words`).
    @usableFromInline init(sha256Words words: SIMD4<UInt64>) {
        storage = .sha256(words[0], words[1], words[2], words[3])
    }

    /// Builds a sha256 digest from a bare hex string (skopeo `dir:` blob names, LFS oids).
    public init?(sha256Hex hex: String) {
        self.init("sha256:" + hex)
    }

    public var string: String { rendered(after: "", separator: UInt8(ascii: ":")) }

    public var description: String { string }

    /// Appends `algorithm:hex` as UTF-8 without building a String (request bodies of a hundred digests).
    public func appendUTF8(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: algorithm.utf8)
        bytes.append(UInt8(ascii: ":"))
        appendHex(to: &bytes)
    }

    /// The short form people recognise in logs (`sha256:0123456789ab`).
    public var short: String { "\(algorithm):\(encoded.prefix(12))" }

    /// Orders as the text does: sha256 before sha512, then by hex (big-endian words compare like their hex).
    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case let (.sha256(a0, a1, a2, a3), .sha256(b0, b1, b2, b3)): return (a0, a1, a2, a3) < (b0, b1, b2, b3)
        case (.sha256, .sha512): return true
        case (.sha512, .sha256): return false
        case let (.sha512(a), .sha512(b)): return a.lexicographicallyPrecedes(b)
        }
    }

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

    /// `bytes` start with `prefix` (a byte loop: the generic `starts(with:)` over a `String.UTF8View` cost ~300
    /// instructions per digest).
    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for index in 0..<count where bytes[index] != prefix.utf8Start[index] { return false }
        return true
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Storage? {
        switch bytes.count {
        case 71 where hasPrefix(bytes, "sha256:"):
            guard let w0 = hexWord(bytes, at: 7), let w1 = hexWord(bytes, at: 23), let w2 = hexWord(bytes, at: 39),
                let w3 = hexWord(bytes, at: 55)
            else { return nil }
            return .sha256(w0, w1, w2, w3)
        case 135 where hasPrefix(bytes, "sha512:"):
            var parsed: [UInt64] = []
            parsed.reserveCapacity(8)
            for index in 0..<8 {
                guard let word = hexWord(bytes, at: 7 + 16 * index) else { return nil }
                parsed.append(word)
            }
            return .sha512(parsed)
        default:
            return nil
        }
    }

    /// Lowercase hex digit → value; 0xFF for every other byte.
    private static let hexValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, digit) in "0123456789abcdef".utf8.enumerated() { table[Int(digit)] = UInt8(value) }
        return table
    }()

    /// 16 lowercase hex digits at `start` as one big-endian word; nil on any other byte.
    private static func hexWord(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt64? {
        hexValues.withUnsafeBufferPointer { table -> UInt64? in
            var word: UInt64 = 0
            var invalid: UInt8 = 0
            for position in start..<(start + 16) {
                let nibble = table[Int(bytes[position])]
                invalid |= nibble
                word = word << 4 | UInt64(nibble & 0x0F)
            }
            // Any 0xFF entry sets the high bits; valid nibbles never do.
            return invalid & 0xF0 == 0 ? word : nil
        }
    }

    private static func writeHex(_ word: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        let raw = UnsafeMutableRawBufferPointer(buffer)
        raw.storeBytes(
            of: hexDigits(UInt32(truncatingIfNeeded: word >> 32)).bigEndian, toByteOffset: start, as: UInt64.self)
        raw.storeBytes(
            of: hexDigits(UInt32(truncatingIfNeeded: word)).bigEndian, toByteOffset: start + 8, as: UInt64.self)
    }

    /// The 8 lowercase hex digits of `half` as the bytes of one word, the first digit in the most significant byte:
    /// every nibble spread to its own byte, then '0' added, and 39 more where the nibble is over 9 (no byte carries).
    private static func hexDigits(_ half: UInt32) -> UInt64 {
        var spread = UInt64(half)
        spread = (spread & 0xFFFF_0000) << 16 | (spread & 0x0000_FFFF)
        spread = (spread & 0x0000_FF00_0000_FF00) << 8 | (spread & 0x0000_00FF_0000_00FF)
        spread = (spread & 0x00F0_00F0_00F0_00F0) << 4 | (spread & 0x000F_000F_000F_000F)
        let letters = ((spread &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return spread &+ 0x3030_3030_3030_3030 &+ letters &* 39
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
