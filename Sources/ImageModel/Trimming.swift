/// Whitespace trimming without Foundation's `CharacterSet`, which lives outside FoundationEssentials: the shipped
/// modules import FoundationEssentials only, so the static binary carries no ICU.
extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (Foundation's `.whitespaces` for ASCII input).
    public func trimmingWhitespace() -> String {
        trimming { $0 == " " || $0 == "\t" || $0 == "\u{A0}" }
    }

    /// The text without leading and trailing whitespace and line breaks (`.whitespacesAndNewlines`).
    public func trimmingWhitespaceAndNewlines() -> String {
        trimming { $0.isWhitespace }
    }

    private func trimming(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
