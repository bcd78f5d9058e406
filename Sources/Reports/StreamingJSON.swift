#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the pretty-printed, key-sorted JSON that `JSONEncoder` would, one small value at a time, so a report's size
/// never becomes a tree in memory: small values go through `JSONEncoder` and are re-indented in place.
struct StreamingJSON {
    let sink: ReportSink

    /// `value` as JSONEncoder prints it at the top level, its lines indented by `indent` spaces (the first line is not).
    static func encoded<T: Encodable>(_ value: T, indent: Int) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        let text = String(decoding: data, as: UTF8.self)
        // Strings in JSON carry no raw newline, so every newline is a line break of the layout.
        guard indent > 0 else { return text }
        let pad = String(repeating: " ", count: indent)
        // An empty array's blank line stays blank, as JSONEncoder leaves it.
        return text.replacing("\n", with: "\n" + pad).replacing("\n" + pad + "\n", with: "\n\n")
    }

    /// `[`, each element, `]` at `indent`, laid out as JSONEncoder lays out an array (an empty one as `[\n\n]`).
    func array<C: Collection>(_ elements: C, indent: Int, element: (C.Element) -> Void) {
        let pad = String(repeating: " ", count: indent)
        guard !elements.isEmpty else {
            sink.write("[\n\n" + pad + "]")
            return
        }
        sink.write("[\n")
        var first = true
        for item in elements {
            sink.write(first ? pad + "  " : ",\n" + pad + "  ")
            first = false
            element(item)
        }
        sink.write("\n" + pad + "]")
    }

    /// A JSON string literal with JSONEncoder's escapes (slashes left alone).
    static func string(_ text: String) -> String {
        // Most strings (digests, media types, paths) need no escape: copied whole, not a scalar at a time.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
