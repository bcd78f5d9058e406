#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The first line of every short JSON string literal in a document, built in one pass: a manifest with tens of thousands of
/// descriptors must not be rescanned once per digest.
public struct DigestLines: Sendable {
    /// Literals longer than this are not digests (sha512 is 135 bytes) and are not indexed.
    static let maxLiteral = 160
    private var lines: [String: Int] = [:]

    public init(_ data: Data) {
        var lines: [String: Int] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var line = 1
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 10 {
                    line += 1
                } else if byte == 34 {
                    let start = index + 1
                    var end = start
                    var escaped = false
                    while end < bytes.count {
                        let current = bytes[end]
                        if current == 92 { escaped = true; end += 2; continue }
                        if current == 34 || current == 10 { break }
                        end += 1
                    }
                    end = min(end, bytes.count)
                    if !escaped, end - start <= DigestLines.maxLiteral,
                        !DigestLines.isMemberName(bytes, closingQuote: end)
                    {
                        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                        if lines[literal] == nil { lines[literal] = line }
                    }
                    // Resume at the closing quote's successor (or at a stray newline, which is then counted).
                    index = end < bytes.count && bytes[end] == 34 ? end + 1 : end
                    continue
                }
                index += 1
            }
        }
        self.lines = lines
    }

    /// A literal followed by `:` is a member name, never a value looked up (a digest is always a value): not indexed, which
    /// halves the work on a manifest.
    static func isMemberName(_ bytes: UnsafeBufferPointer<UInt8>, closingQuote: Int) -> Bool {
        var next = closingQuote + 1
        while next < bytes.count, bytes[next] == 0x20 || bytes[next] == 0x09 || bytes[next] == 0x0D { next += 1 }
        return next < bytes.count && bytes[next] == UInt8(ascii: ":")
    }

    /// The 1-based line of the literal, or 1 when it is not in the document as written (escaped, or too long).
    public func line(of literal: String) -> Int {
        lines[literal] ?? 1
    }
}
