/// Makes untrusted strings (image names, paths, service messages) safe to print on a terminal or CI log: control characters
/// become visible escapes, so nothing can move the cursor, forge a GitLab section marker or start a new log line.
public enum TerminalText {
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u{" + hex + "}"
            }
        }
        return out
    }

    /// `sanitize`, and a line that would start with `::` (a GitHub Actions workflow command) gets its first colon escaped.
    public static func line(_ text: String) -> String {
        let safe = sanitize(text)
        let trimmed = safe.drop { $0 == " " || $0 == "\t" }
        guard trimmed.hasPrefix("::") else { return safe }
        return String(safe[..<trimmed.startIndex]) + "\\u{3A}" + String(trimmed.dropFirst())
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (value >= 0x7F && value <= 0x9F) || value == 0x2028 || value == 0x2029
    }
}
