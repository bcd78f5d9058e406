/// Writes the scratch file's records (`BlobResults.spilledBytes`, `StoredJudgedImage`): little-endian words and longs,
/// texts as their UTF-8 length and bytes, an optional as a flag byte and its value.
public struct SpillWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func word(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func long(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func int(_ value: Int) { long(UInt64(bitPattern: Int64(value))) }

    public mutating func flag(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func text(_ value: String) {
        let utf8 = value.utf8
        word(UInt32(utf8.count))
        bytes += utf8
    }

    public mutating func optional<Value>(_ value: Value?, _ write: (inout SpillWriter, Value) -> Void) {
        flag(value != nil)
        if let value { write(&self, value) }
    }

    public mutating func text(_ value: String?) { optional(value) { $0.text($1) } }

    public mutating func list<Element>(
        _ values: some Collection<Element>, _ write: (inout SpillWriter, Element) -> Void
    ) {
        word(UInt32(values.count))
        for value in values { write(&self, value) }
    }

    public mutating func append(_ other: [UInt8]) { bytes += other }
}

/// Reads what `SpillWriter` wrote, refusing anything short or out of bounds: every read is nil past the end.
public struct SpillReader {
    let bytes: [UInt8]
    var position = 0

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var atEnd: Bool { position == bytes.count }
    public var remaining: Int { bytes.count - position }

    public mutating func word() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for shift in 0..<4 { value |= UInt32(bytes[position + shift]) << (8 * shift) }
        position += 4
        return value
    }

    public mutating func long() -> UInt64? {
        guard let low = word(), let high = word() else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    public mutating func int() -> Int? { long().map { Int(Int64(bitPattern: $0)) } }

    public mutating func flag() -> Bool? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        switch bytes[position] {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }

    public mutating func text() -> String? {
        guard let length = word(), remaining >= Int(length) else { return nil }
        defer { position += Int(length) }
        return String(decoding: bytes[position..<(position + Int(length))], as: UTF8.self)
    }

    /// An optional written by `SpillWriter.optional`: `.some(nil)` for an absent value, nil when unreadable.
    public mutating func optional<Value>(_ read: (inout SpillReader) -> Value?) -> Value?? {
        guard let present = flag() else { return nil }
        guard present else { return .some(nil) }
        guard let value = read(&self) else { return nil }
        return .some(value)
    }

    public mutating func optionalText() -> String?? { optional { $0.text() } }

    /// A list written by `SpillWriter.list`, each element at least `minimumSize` bytes (a count beyond what is left is
    /// not believed); nil when any element is unreadable.
    public mutating func list<Element>(minimumSize: Int, _ read: (inout SpillReader) -> Element?) -> [Element]? {
        guard let count = word(), Int(count) <= remaining / max(1, minimumSize) else { return nil }
        var elements: [Element] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let element = read(&self) else { return nil }
            elements.append(element)
        }
        return elements
    }
}
