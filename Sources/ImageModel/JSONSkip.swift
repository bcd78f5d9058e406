#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checking a value without building it: the same grammar, depth limit, errors and error offsets as `value()`, for the
/// parts of a document a reader does not keep (and for checking a whole document before reading its fields).
extension JSONReader {
    /// Moves past the value here, refusing what `value()` refuses, at the same offset and for the same reason.
    mutating func skip() throws {
        guard position < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try skipItems(object: true)
        case UInt8(ascii: "["): try skipItems(object: false)
        case UInt8(ascii: "\""): try skipString()
        // Literals and numbers build no storage (a number's text is a small string).
        default: _ = try value()
        }
    }

    /// Moves past the string literal here; only a string with escapes is decoded.
    mutating func skipString() throws {
        if try plainString() == nil { _ = try string() }
    }

    /// Checks a whole document as `document()` does and returns where its top value starts.
    mutating func checkDocument() throws -> Int {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { position = 3 }
        skipWhitespace()
        let top = position
        try skip()
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected content after the document") }
        return top
    }

    /// The object or array opening here, item by item, in the order and with the checks of `object()` and `array()`.
    private mutating func skipItems(object: Bool) throws {
        let closing = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == closing {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if object { try skipName() }
            try skip()
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == closing else { throw fail(object ? "expected ',' or '}'" : "expected ',' or ']'") }
            position += 1
            return
        }
    }

    /// A member name and its colon, leaving the reader at the member's value.
    private mutating func skipName() throws {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw fail("expected a member name")
        }
        try skipString()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        position += 1
        skipWhitespace()
    }
}
