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

    /// The value here is a string.
    public var atString: Bool { peek == UInt8(ascii: "\"") }

    /// The value here is `null` (or, in a document not yet checked, something starting like it).
    public var atNull: Bool { peek == UInt8(ascii: "n") }

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

    /// The string here as UTF-8 bytes handed to `body` (valid only inside it), without making a `String`; nil (the value
    /// consumed all the same) when it is another kind of value.
    public mutating func utf8String<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T? {
        guard peek == UInt8(ascii: "\"") else {
            _ = try reader.value()
            return nil
        }
        if let raw = try reader.plainString() { return try body(raw) }
        var text = try reader.string()
        return try text.withUTF8(body)
    }

    /// Calls `body` with each member name of the object here, positioned at the member's value, in document order
    /// (a name given twice is seen twice). The name is valid only inside `body`.
    public mutating func members(_ body: (inout JSONPull, JSONName) throws -> Void) throws {
        guard atObject else { throw reader.fail("expected an object") }
        try items(closedBy: "}") { pull in
            guard pull.peek == UInt8(ascii: "\"") else { throw pull.reader.fail("expected a member name") }
            let key = try pull.name()
            pull.reader.skipWhitespace()
            guard pull.peek == UInt8(ascii: ":") else { throw pull.reader.fail("expected ':'") }
            pull.reader.position += 1
            pull.reader.skipWhitespace()
            guard pull.peek != nil else { throw pull.reader.fail("unexpected end of input") }
            try body(&pull, key)
        }
    }

    /// Calls `body` positioned at each element of the array here, in order.
    public mutating func elements(_ body: (inout JSONPull) throws -> Void) throws {
        guard atArray else { throw reader.fail("expected an array") }
        try items(closedBy: "]") { pull in
            guard pull.peek != nil else { throw pull.reader.fail("unexpected end of input") }
            try body(&pull)
        }
    }

    /// The comma-separated items of the object or array opening here, up to `close`; `item` reads one item.
    private mutating func items(closedBy close: Unicode.Scalar, _ item: (inout JSONPull) throws -> Void) throws {
        let closing = UInt8(ascii: close)
        try reader.enter()
        defer { reader.depth -= 1 }
        reader.position += 1
        reader.skipWhitespace()
        if peek == closing {
            reader.position += 1
            return
        }
        while true {
            reader.skipWhitespace()
            try item(&self)
            reader.skipWhitespace()
            guard let next = peek else { throw reader.fail("unexpected end of input") }
            reader.position += 1
            if next == UInt8(ascii: ",") { continue }
            guard next == closing else {
                reader.position -= 1
                throw reader.fail("expected ',' or '\(close)'")
            }
            return
        }
    }

    /// The member name at the reader: its bytes in the document, or decoded when it has escapes.
    private mutating func name() throws -> JSONName {
        if let raw = try reader.plainString() { return JSONName(raw: raw, decoded: nil) }
        return JSONName(raw: nil, decoded: try reader.string())
    }
}

/// A member name as `JSONPull.members` sees it; compare it with a literal (`name == "layers"`) without making a `String`.
public struct JSONName {
    let raw: UnsafeBufferPointer<UInt8>?
    let decoded: String?

    public static func == (name: JSONName, literal: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        if let raw = name.raw {
            // Lengths first: most names compared are not the one looked for.
            guard raw.count == expected.count else { return false }
            for index in 0..<raw.count where raw[index] != expected[index] { return false }
            return true
        }
        return name.decoded.map { $0.utf8.elementsEqual(expected) } ?? false
    }

    /// The name as a `String`.
    public var string: String {
        decoded ?? String(decoding: raw ?? UnsafeBufferPointer(start: nil, count: 0), as: UTF8.self)
    }
}
