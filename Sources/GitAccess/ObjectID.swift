import CGit2

/// A git object id as a value; the raw `git_oid` never leaves this module. Stored as its 20 bytes (not as hex text) so
/// the tens of thousands of ids a large run caches cost no heap allocations.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible, Comparable {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    init(_ oid: git_oid) {
        var copy = oid
        (high, middle, low) = withUnsafeBytes(of: &copy.id) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            )
        }
    }

    /// Parses 40 lowercase hex bytes (the blob-hash memo reads ids straight from its file, without building Strings); nil for
    /// anything else.
    init?(hexUTF8 text: UnsafeBufferPointer<UInt8>) {
        guard text.count == 40 else { return nil }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        for index in 0..<40 {
            let character = text[index]
            let value: UInt64
            switch character {
            case 48...57: value = UInt64(character &- 48)
            case 97...102: value = UInt64(character &- 87)
            default: return nil
            }
            switch index {
            case 0..<16: words.0 = words.0 << 4 | value
            case 16..<32: words.1 = words.1 << 4 | value
            default: words.2 = words.2 << 4 | value
            }
        }
        (high, middle, low) = (words.0, words.1, UInt32(truncatingIfNeeded: words.2))
    }

    /// Parses 40 lowercase hex characters; nil for anything else.
    public init?(hex: String) {
        var text = hex
        guard let parsed = text.withUTF8({ ObjectID(hexUTF8: $0) }) else { return nil }
        self = parsed
    }

    private var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: middle >> UInt64(shift)))
        }
        for shift in stride(from: 24, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: low >> UInt32(shift)))
        }
        return out
    }

    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            guard buffer.count >= 20 else { return }
            buffer.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: middle.bigEndian, toByteOffset: 8, as: UInt64.self)
            buffer.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    /// The 40-character lowercase hex form git prints.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(40)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 40 lowercase hex digits as UTF-8 (the blob-hash memo writes one per line).
    public func appendHex(to out: inout [UInt8]) {
        func append(_ word: UInt64, digits: Int) {
            for index in stride(from: digits - 1, through: 0, by: -1) {
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(index * 4)) & 0xF
                out.append(nibble < 10 ? 48 + nibble : 87 + nibble)
            }
        }
        append(high, digits: 16)
        append(middle, digits: 16)
        append(UInt64(low), digits: 8)
    }

    /// True for git's all-zero id (a deletion or a new ref in pre-push).
    public var isZero: Bool { high == 0 && middle == 0 && low == 0 }

    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}
