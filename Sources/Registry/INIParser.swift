import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A line of an AWS shared file that cannot be read; names the file and line so the user can fix it.
public struct INIError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var reason: String
    public var description: String { "\(file):\(line): \(reason)" }
}

/// Reads `~/.aws/config` and `~/.aws/credentials` the way botocore's RawConfigParser does: sections, `key = value`
/// (or `key: value`), keys lowercased, full-line `#`/`;` comments, indented continuation lines kept as nested text.
public enum INIParser {
    /// Section name → keys. Duplicate sections merge and a later key wins (botocore would refuse; merging is kinder).
    public static func parse(_ text: String, file: String = "<text>") throws -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var lastKey: String?
        var number = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if number == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty {
                continue
            }
            if trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            let indented = line.first == " " || line.first == "\t"
            if indented, let section = current, let key = lastKey {
                // A continuation line: botocore reads `s3 =\n  max_concurrent_requests = 10` as a nested block.
                let previous = sections[section]?[key] ?? ""
                sections[section]?[key] = previous + "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw INIError(file: file, line: number, reason: "a section header must look like [name]")
                }
                let name = trimmed.dropFirst().dropLast().trimmingWhitespace()
                guard !name.isEmpty else { throw INIError(file: file, line: number, reason: "empty section name") }
                current = name
                lastKey = nil
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current else {
                throw INIError(file: file, line: number, reason: "a setting appears before any [section] header")
            }
            guard let delimiter = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw INIError(file: file, line: number, reason: "expected `key = value`")
            }
            let key = trimmed[..<delimiter].trimmingWhitespace().lowercased()
            guard !key.isEmpty else { throw INIError(file: file, line: number, reason: "a setting has no name") }
            let value = trimmed[trimmed.index(after: delimiter)...].trimmingWhitespace()
            sections[section]?[key] = value
            lastKey = key
        }
        return sections
    }

    /// Profiles of a config file: `[default]`, `[profile name]` (also `[profile default]`); other sections are not profiles.
    /// Sections named `<kind> <name>` (`[sso-session my-sso]`), by name.
    public static func sections(_ sections: [String: [String: String]], kind: String) -> [String: [String: String]] {
        var found: [String: [String: String]] = [:]
        for (name, values) in sections {
            let parts = name.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, parts[0] == kind else { continue }
            found[parts.dropFirst().joined(separator: " "), default: [:]].merge(values) { $1 }
        }
        return found
    }

    public static func configProfiles(_ sections: [String: [String: String]]) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        // `[default]` first so that `[profile default]`, which botocore prefers, overrides it.
        if let plain = sections["default"] { profiles["default"] = plain }
        for (name, values) in sections {
            let parts = name.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, parts[0] == "profile" else { continue }
            var profileName = parts.dropFirst().joined(separator: " ")
            if profileName.count >= 2, profileName.hasPrefix("\""), profileName.hasSuffix("\"") {
                profileName = String(profileName.dropFirst().dropLast())
            }
            profiles[profileName, default: [:]].merge(values) { $1 }
        }
        return profiles
    }
}
