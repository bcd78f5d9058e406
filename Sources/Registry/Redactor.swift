import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one place that decides what of a request may be shown: secrets never reach any output.
public enum Redactor {
    /// Headers whose values are never printed.
    static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-amz-security-token", "x-amz-sso_bearer_token",
        "x-aws-ec2-metadata-token", "cookie", "set-cookie",
    ]

    /// `AKIAIOSFODNN7EXAMPLE` → `AKIA****MPLE`.
    public static func maskAccessKey(_ key: String) -> String {
        guard key.count > 8 else { return "****" }
        return String(key.prefix(4)) + "****" + String(key.suffix(4))
    }

    /// A header line safe to log.
    public static func header(_ line: String) -> String {
        guard let colon = line.firstIndex(of: ":") else { return line }
        let name = line[..<colon].trimmingWhitespace().lowercased()
        return secretHeaders.contains(name) ? "\(line[..<colon]): <redacted>" : line
    }

    /// Removes any registered secret from free text (error messages from libraries, process output).
    public static func scrub(_ text: String, secrets: [String] = []) -> String {
        var out = url(text)
        for secret in secrets where secret.count >= 4 {
            out = out.replacing(secret, with: "<redacted>")
        }
        return out
    }

    /// Hides the password of any `scheme://user:password@host` in `text` (proxy URLs carry them).
    public static func url(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var out = ""
        var rest = Substring(text)
        while let schemeEnd = rest.firstRange(of: "://") {
            out += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { "/?# \t\n\"'".contains($0) }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                let user = userinfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                out += (userinfo.contains(":") ? "\(user):<redacted>" : "<redacted>") + authority[at...]
            } else {
                out += authority
            }
            rest = rest[authorityEnd...]
        }
        return out + rest
    }
}
