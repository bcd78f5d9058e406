#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pull reader over one JSON document, for hot paths that need a few fields of a large answer (a
/// `BatchCheckLayerAvailability` response of 100 layers): it checks the whole document as strictly as `JSONValue.parse`
/// — same grammar, same depth limit, same errors — but builds no tree of dictionaries.
///
/// Every callback must consume exactly the one value it is positioned at (through `members`, `elements`, `string` or
/// `value`).
public struct JSONPull {
    var reader: JSONReader

    /// Runs `body` on the document's top value, then requires the document to end there.
    public static func read<Bytes: ContiguousBytes, Result>(
        _ bytes: Bytes, _ body: (inout JSONPull) throws -> Result
    ) throws -> Result {
        try bytes.withUnsafeBytes { raw in
            var pull = JSONPull(reader: JSONReader(raw.bindMemory(to: UInt8.self)))
            return try pull.document(body)
        }
    }

    mutating func document<Result>(_ body: (inout JSONPull) throws -> Result) throws -> Result {
        let bytes = reader.bytes
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { reader.position = 3 }
        reader.skipWhitespace()
        let result = try body(&self)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.fail("unexpected content after the document") }
        return result
    }

    /// The value here is an object.
    public var atObject: Bool { peek == UInt8(ascii: "{") }

    /// The value here is an array.
    public var atArray: Bool { peek == UInt8(ascii: "[") }

    private var peek: UInt8? {
        reader.position < reader.bytes.count ? reader.bytes[reader.position] : nil
    }

    /// The value here, whatever it is, as a tree.
    public mutating func value() throws -> JSONValue {
        try reader.value()
    }

    /// The string here, or nil (the value consumed all the same) when it is another kind of value.
    public mutating func string() throws -> String? {
        if peek == UInt8(ascii: "\"") { return try reader.string() }
        _ = try reader.value()
        return nil
    }

    /// Calls `body` with each member name of the object here, positioned at the member's value, in document order
    /// (a name given twice is seen twice).
    public mutating func members(_ body: (inout JSONPull, String) throws -> Void) throws {
        guard atObject else { throw reader.fail("expected an object") }
        try reader.enter()
        defer { reader.depth -= 1 }
        reader.position += 1
        reader.skipWhitespace()
        if peek == UInt8(ascii: "}") {
            reader.position += 1
            return
        }
        while true {
            reader.skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw reader.fail("expected a member name") }
            let key = try reader.string()
            reader.skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw reader.fail("expected ':'") }
            reader.position += 1
            reader.skipWhitespace()
            guard peek != nil else { throw reader.fail("unexpected end of input") }
            try body(&self, key)
            reader.skipWhitespace()
            guard let next = peek else { throw reader.fail("unexpected end of input") }
            reader.position += 1
            if next == UInt8(ascii: ",") { continue }
            guard next == UInt8(ascii: "}") else {
                reader.position -= 1
                throw reader.fail("expected ',' or '}'")
            }
            return
        }
    }

    /// Calls `body` positioned at each element of the array here, in order.
    public mutating func elements(_ body: (inout JSONPull) throws -> Void) throws {
        guard atArray else { throw reader.fail("expected an array") }
        try reader.enter()
        defer { reader.depth -= 1 }
        reader.position += 1
        reader.skipWhitespace()
        if peek == UInt8(ascii: "]") {
            reader.position += 1
            return
        }
        while true {
            reader.skipWhitespace()
            guard peek != nil else { throw reader.fail("unexpected end of input") }
            try body(&self)
            reader.skipWhitespace()
            guard let next = peek else { throw reader.fail("unexpected end of input") }
            reader.position += 1
            if next == UInt8(ascii: ",") { continue }
            guard next == UInt8(ascii: "]") else {
                reader.position -= 1
                throw reader.fail("expected ',' or ']'")
            }
            return
        }
    }
}
