/// RFC 3986 percent-encoding over UTF-8 bytes, with the allowed set spelled out: Foundation's
/// `addingPercentEncoding` and `CharacterSet` are outside FoundationEssentials.
enum PercentEncoding {
    /// Letters, digits and `-._~`: what botocore leaves unescaped in form bodies.
    static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))
    /// Foundation's `.urlPathAllowed`: unreserved plus the sub-delimiters, `:`, `@` and `/`.
    static let pathAllowed: Set<UInt8> = unreserved.union("!$&'()*+,;=:@/".utf8)

    static func encode(_ text: String, keeping allowed: Set<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if allowed.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension StringProtocol {
    /// A host without the brackets of an IPv6 literal (`[::1]` → `::1`).
    func trimmingBrackets() -> String {
        var text = Substring(self)
        while text.first == "[" || text.first == "]" { text = text.dropFirst() }
        while text.last == "[" || text.last == "]" { text = text.dropLast() }
        return String(text)
    }
}
