/// The one place that decides what of a request may be shown: secrets never reach any output.
public enum Redactor {
    /// Headers whose values are never printed.
    static let secretHeaders: Set<String> = ["authorization", "x-amz-security-token", "x-aws-ec2-metadata-token"]

    /// `AKIAIOSFODNN7EXAMPLE` → `AKIA****MPLE`.
    public static func maskAccessKey(_ key: String) -> String {
        guard key.count > 8 else { return "****" }
        return String(key.prefix(4)) + "****" + String(key.suffix(4))
    }

    /// A header line safe to log.
    public static func header(_ line: String) -> String {
        guard let colon = line.firstIndex(of: ":") else { return line }
        let name = line[..<colon].lowercased()
        return secretHeaders.contains(name) ? "\(line[..<colon]): <redacted>" : line
    }

    /// Removes any registered secret from free text (error messages from libraries, process output).
    public static func scrub(_ text: String, secrets: [String] = []) -> String {
        var out = text
        for secret in secrets where secret.count >= 4 {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return out
    }
}
