#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The first line of every string value in a document that a finding may point at, built in one pass: a manifest with
/// tens of thousands of descriptors must not be rescanned once per digest. Valid digests (what is looked up for every
/// blob) are indexed as `Digest`s, without building a `String` per literal; any other literal (a digest outside the
/// grammar, looked up only for its finding) is found by one scan of the document when asked for.
public struct DigestLines: Sendable {
    /// Literals longer than this are not digests (sha512 is 135 bytes) and are not indexed.
    static let maxLiteral = 160
    private var lines: [Digest: Int] = [:]
    /// The lines of the second and later literals of a digest written more than once (a layer listed twice, an index
    /// naming one manifest under two tags); empty, and never allocated, for most documents.
    private var repeated: [Digest: [Int]] = [:]
    private let data: Data

    public init(_ data: Data) {
        self.data = data
        var lines: [Digest: Int] = [:]
        var repeated: [Digest: [Int]] = [:]
        // A descriptor takes well over 128 bytes: room for every digest at once, instead of doubling and rehashing.
        lines.reserveCapacity(data.count / 128)
        DigestLines.scan(data) { literal, line in
            // One hash per digest: the first line stays (a digest repeated later is put back, which is rare).
            if literal.count == 71 || literal.count == 135, let digest = Digest(utf8: literal),
                let first = lines.updateValue(line, forKey: digest)
            {
                lines[digest] = first
                repeated[digest, default: []].append(line)
            }
            return false
        }
        self.lines = lines
        self.repeated = repeated
    }

    /// Whether some digest is written more than once: only then do callers count occurrences.
    public var hasRepeats: Bool { !repeated.isEmpty }

    /// The 1-based line of the `occurrence`th (0-based) literal of a valid digest, so each of two descriptors naming one
    /// blob points at its own line; the last known one when there are fewer, 1 when it is not in the document as written.
    public func line(of digest: Digest, occurrence: Int) -> Int {
        guard occurrence > 0, let later = repeated[digest] else { return line(of: digest) }
        return later[min(occurrence, later.count) - 1]
    }

    /// The 1-based line of a valid digest's literal, or 1 when it is not in the document as written (escaped): what
    /// `line(of: digest.string)` says, without parsing the text again.
    public func line(of digest: Digest) -> Int { lines[digest] ?? 1 }

    /// The 1-based line of the literal, or 1 when it is not in the document as written (escaped, or too long).
    public func line(of literal: String) -> Int {
        if let digest = Digest(literal) { return lines[digest] ?? 1 }
        var found = 1
        var wanted = literal
        wanted.withUTF8 { wanted in
            DigestLines.scan(data) { candidate, line in
                guard candidate.elementsEqual(wanted) else { return false }
                found = line
                return true
            }
        }
        return found
    }

    /// Calls `visit` with every unescaped string value of at most `maxLiteral` bytes and its line, in order, until it
    /// returns true. Member names (a literal followed by `:`) are not values and are skipped.
    static func scan(_ data: Data, _ visit: (UnsafeBufferPointer<UInt8>, Int) -> Bool) {
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
                        if current == 92 {
                            escaped = true
                            end += 2
                            continue
                        }
                        if current == 34 || current == 10 { break }
                        end += 1
                    }
                    end = min(end, bytes.count)
                    if !escaped, end - start <= maxLiteral, !isMemberName(bytes, closingQuote: end),
                        visit(UnsafeBufferPointer(rebasing: bytes[start..<end]), line)
                    {
                        return
                    }
                    // Resume at the closing quote's successor (or at a stray newline, which is then counted).
                    index = end < bytes.count && bytes[end] == 34 ? end + 1 : end
                    continue
                }
                index += 1
            }
        }
    }

    /// A literal followed by `:` is a member name, never a value looked up (a digest is always a value).
    static func isMemberName(_ bytes: UnsafeBufferPointer<UInt8>, closingQuote: Int) -> Bool {
        var next = closingQuote + 1
        while next < bytes.count, bytes[next] == 0x20 || bytes[next] == 0x09 || bytes[next] == 0x0D { next += 1 }
        return next < bytes.count && bytes[next] == UInt8(ascii: ":")
    }
}
