/// The positive cache's file as JSON text, written by hand: `{"entries":{key:seconds,...},"version":1}` with the keys
/// sorted. A push of thousands of new layers rewrites the whole file, and `JSONEncoder` with sorted keys spent more
/// time on that than the push spent reading its hundreds of image outputs. `PositiveResultCache` reads it back with
/// the one JSON reader, so only the JSON grammar binds the two.
enum CacheFileJSON {
    static func encode(version: Int, entries: [String: Double]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 128 + 32)
        out.append(contentsOf: #"{"entries":{"#.utf8)
        var first = true
        for (key, seconds) in entries.sorted(by: { $0.key < $1.key }) where seconds.isFinite {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: number(seconds).utf8)
        }
        out.append(contentsOf: #"},"version":\#(version)}"#.utf8)
        return out
    }

    /// A JSON number: whole seconds without a fraction, else Swift's shortest round-trip digits (which JSON accepts,
    /// exponent included).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// A JSON string: quote, backslash and control characters escaped, everything else as its UTF-8 bytes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
