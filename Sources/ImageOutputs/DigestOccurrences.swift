import ImageModel

/// The lines of a document's descriptors taken in order: the second descriptor naming a digest already named points at
/// the second literal of it, not back at the first (a layer listed twice, a manifest under two tags). Counts only when
/// the document repeats a digest at all, so the usual walk pays nothing.
struct DigestOccurrences {
    private let lines: DigestLines
    private var seen: [Digest: Int] = [:]

    init(_ lines: DigestLines) {
        self.lines = lines
    }

    /// The line of this descriptor's digest literal.
    mutating func line(of descriptor: Descriptor) -> Int {
        guard let digest = descriptor.validDigest else { return lines.line(of: descriptor.digest) }
        return line(of: digest)
    }

    /// The line of the next not yet taken literal of a valid digest.
    mutating func line(of digest: Digest) -> Int {
        guard lines.hasRepeats else { return lines.line(of: digest) }
        let occurrence = seen[digest, default: 0]
        seen[digest] = occurrence + 1
        return lines.line(of: digest, occurrence: occurrence)
    }
}
