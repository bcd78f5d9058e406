import Crypto
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Identities for findings that survive re-runs and unrelated edits, so GitLab and code scanning can tell new problems from
/// old ones: the rule and what the finding is about, never the line, commit, timing or the service's wording.
public enum FindingFingerprint {
    /// One fingerprint per finding, in report order; findings that would collide get their occurrence number mixed in.
    public static func all(_ findings: [Finding]) -> [String] {
        var seen: [String: Int] = [:]
        return findings.map { finding in
            let key = identity(finding)
            let occurrence = seen[key, default: 0]
            seen[key] = occurrence + 1
            return hash(occurrence == 0 ? key : key + "\u{0}#\(occurrence)")
        }
    }

    static func identity(_ finding: Finding) -> String {
        [
            "verify-layers/v1", finding.rule.rawValue, finding.path, finding.image ?? "", finding.platform ?? "",
            finding.digest ?? "",
            finding.repository ?? "",
        ].joined(separator: "\u{0}")
    }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
