import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `credential_process`: runs the configured helper (no shell, as the SDKs do) and reads its JSON from stdout.
public struct ProcessCredentialProvider: CredentialProvider {
    public var name: String { "credential_process" }
    static let defaultTimeout: TimeInterval = 60
    static let maxOutput = 1 << 20

    let commandLine: String
    let profileName: String
    let environment: [String: String]
    let timeout: TimeInterval
    let deadline: Date?

    init(
        commandLine: String, profileName: String, environment: [String: String],
        timeout: TimeInterval = ProcessCredentialProvider.defaultTimeout,
        deadline: Date? = nil
    ) {
        self.commandLine = commandLine
        self.profileName = profileName
        self.environment = environment
        self.timeout = timeout
        self.deadline = deadline
    }

    public func resolve() throws -> ProviderResult {
        let arguments = try Self.split(commandLine)
        guard let program = arguments.first else {
            throw CredentialError(message: "credential_process of profile \(profileName) is empty")
        }
        guard let executable = Self.locate(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw CredentialError(
                message: "credential_process of profile \(profileName): \(program) not found or not executable")
        }
        var limit = timeout
        if let deadline { limit = min(limit, deadline.timeIntervalSinceNow) }
        guard limit > 0 else {
            throw CredentialError(message: "the run's --timeout expired before credential_process ran", transient: true)
        }
        let output = try run(
            executable: executable, arguments: Array(arguments.dropFirst()), limit: limit, program: program)
        return .found(try Self.parse(output, profileName: profileName))
    }

    private func run(executable: String, arguments: [String], limit: TimeInterval, program: String) throws -> Data {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess(executable: executable, arguments: arguments, environment: environment).run(
                limit: limit, maxOutput: Self.maxOutput)
        } catch ChildProcess.Failure.cannotStart(let why) {
            throw CredentialError(
                message: "credential_process of profile \(profileName): cannot start \(program): \(why)")
        } catch {
            throw CredentialError(
                message:
                    "credential_process of profile \(profileName) (\(program)) did not finish within \(Int(limit.rounded(.up))) s",
                transient: true)
        }
        guard outcome.status == 0 else {
            // The helper's stderr is its own diagnostics; keep it short and never echo stdout (it may hold secrets).
            let text = String(decoding: outcome.errorOutput.prefix(500), as: UTF8.self).trimmingWhitespaceAndNewlines()
            throw CredentialError(
                message: "credential_process of profile \(profileName) (\(program)) exited with \(outcome.status)"
                    + (text.isEmpty ? "" : ": \(text)"))
        }
        guard !outcome.overflowed else {
            throw CredentialError(
                message: "credential_process of profile \(profileName) wrote more than \(Self.maxOutput) bytes")
        }
        return Data(outcome.output)
    }

    /// `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}`.
    static func parse(_ data: Data, profileName: String) throws -> Credentials {
        let what = "credential_process of profile \(profileName)"
        guard let root = try? JSONValue.parse(data), root.objectValue != nil else {
            throw CredentialError(message: "\(what) did not print a JSON object")
        }
        guard root["Version"]?.int64Value == 1 else {
            throw CredentialError(message: "\(what) printed an unsupported Version (expected 1)")
        }
        return try CredentialDocument.parse(data, source: "credential_process (profile \(profileName))", what: what)
    }

    /// Splits a command line like Python's `shlex.split` (what botocore uses): quotes and backslashes, no expansion.
    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if let active = quote {
                if character == active {
                    quote = nil
                } else if character == "\\" && active == "\"" {
                    guard let next = iterator.next() else { break }
                    if next != "\"" && next != "\\" { current.append("\\") }
                    current.append(next)
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                inWord = true
            case "\\":
                if let next = iterator.next() { current.append(next) }
                inWord = true
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw CredentialError(message: "credential_process has an unterminated quote") }
        if inWord { words.append(current) }
        return words
    }

    /// A path with a slash is used as is; a bare name is looked up in PATH, like execvp.
    static func locate(_ program: String, path: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var isDirectory = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}
