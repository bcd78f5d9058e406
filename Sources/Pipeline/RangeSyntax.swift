#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Parses `A..B`, `A..` (to HEAD) and `..B` (from HEAD) the way git does; `A...B` is refused rather than misread.
enum RangeSyntax {
    static func parse(_ text: String) throws -> (base: String, head: String) {
        if text.contains("...") {
            throw Failure.usage(
                "--range \(text.debugDescription): symmetric ranges (A...B) are not supported; use A..B")
        }
        guard let separator = text.firstRange(of: "..") else {
            throw Failure.usage(
                "--range \(text.debugDescription) must look like A..B (commits reachable from B and not from A)")
        }
        let base = String(text[..<separator.lowerBound])
        let head = String(text[separator.upperBound...])
        if base.isEmpty && head.isEmpty { throw Failure.usage("--range needs at least one side: A..B, A.. or ..B") }
        return (base.isEmpty ? "HEAD" : base, head.isEmpty ? "HEAD" : head)
    }
}
