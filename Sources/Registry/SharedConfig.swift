import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A shared AWS file that exists but cannot be used: a configuration error (exit 78) naming the file.
public struct SharedConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// `~/.aws/config` and `~/.aws/credentials` as the SDKs read them, plus which profile this run uses and why.
public struct SharedConfig: Sendable {
    public var configPath: String
    public var credentialsPath: String
    public var configExists: Bool
    public var credentialsExists: Bool
    /// Profiles of the config file (`[profile name]`, `[default]`).
    public var configProfiles: [String: [String: String]]
    /// Profiles of the credentials file (`[name]`).
    public var credentialsProfiles: [String: [String: String]]
    /// `[sso-session name]` sections of the config file (IAM Identity Center sessions that profiles name).
    public var ssoSessions: [String: [String: String]] = [:]
    public var profileName: String
    /// `--profile`, `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` or `default`.
    public var profileSource: String

    /// The user named this profile; a missing one is then an error rather than "not configured".
    public var profileIsExplicit: Bool { profileSource != "default" }
    /// `--profile` given: botocore then skips the environment credentials.
    public var profileFromFlag: Bool { profileSource == "--profile" }

    public init(
        configPath: String, credentialsPath: String, configExists: Bool = false, credentialsExists: Bool = false,
        configProfiles: [String: [String: String]] = [:], credentialsProfiles: [String: [String: String]] = [:],
        profileName: String = "default", profileSource: String = "default"
    ) {
        self.configPath = configPath
        self.credentialsPath = credentialsPath
        self.configExists = configExists
        self.credentialsExists = credentialsExists
        self.configProfiles = configProfiles
        self.credentialsProfiles = credentialsProfiles
        self.profileName = profileName
        self.profileSource = profileSource
    }

    /// Reads both files (a missing file is empty, as in the SDKs); `profileFlag` is `--profile`.
    public static func load(environment: [String: String], profileFlag: String?) throws -> SharedConfig {
        let home = nonEmpty(environment["HOME"]) ?? FileManager.default.homeDirectoryForCurrentUser.path
        let configPath = expand(nonEmpty(environment["AWS_CONFIG_FILE"]) ?? "~/.aws/config", home: home)
        let credentialsPath = expand(
            nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]) ?? "~/.aws/credentials", home: home)
        let (configSections, configExists) = try read(configPath, variable: "AWS_CONFIG_FILE")
        let (credentialSections, credentialsExists) = try read(credentialsPath, variable: "AWS_SHARED_CREDENTIALS_FILE")
        var name = "default"
        var source = "default"
        if let flag = nonEmpty(profileFlag) {
            (name, source) = (flag, "--profile")
        } else if let value = nonEmpty(environment["AWS_PROFILE"]) {
            (name, source) = (value, "AWS_PROFILE")
        } else if let value = nonEmpty(environment["AWS_DEFAULT_PROFILE"]) {
            (name, source) = (value, "AWS_DEFAULT_PROFILE")
        }
        var shared = SharedConfig(
            configPath: configPath, credentialsPath: credentialsPath, configExists: configExists,
            credentialsExists: credentialsExists, configProfiles: INIParser.configProfiles(configSections),
            credentialsProfiles: credentialSections, profileName: name, profileSource: source)
        shared.ssoSessions = INIParser.sections(configSections, kind: "sso-session")
        return shared
    }

    /// The profile's settings, config file merged with the credentials file (which wins, as in botocore); nil when in neither.
    public func profile(_ name: String) -> [String: String]? {
        let fromConfig = configProfiles[name]
        let fromCredentials = credentialsProfiles[name]
        if fromConfig == nil && fromCredentials == nil { return nil }
        return (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { $1 }
    }

    /// A setting of this run's profile, e.g. `region`, `ca_bundle`, `max_attempts`.
    public func setting(_ key: String) -> String? {
        Self.nonEmpty(profile(profileName)?[key])
    }

    /// Where the files are and whether they exist, for messages and doctor.
    public var filesDescription: String {
        "\(credentialsPath)\(credentialsExists ? "" : " (missing)"), \(configPath)\(configExists ? "" : " (missing)")"
    }

    private static func read(_ path: String, variable: String) throws -> ([String: [String: String]], Bool) {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return ([:], false) }
        if isDirectory {
            throw SharedConfigError(message: "\(path) (\(variable)) is a directory, not an AWS config file")
        }
        // `FileManager.contents` refuses character devices, and /dev/null is a common way to say "no file".
        guard let data = FileManager.default.contents(atPath: path) ?? FileDescriptorReader.readAll(path) else {
            throw SharedConfigError(message: "cannot read \(path) (\(variable)): permission denied or unreadable")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw SharedConfigError(message: "\(path) (\(variable)) is not UTF-8 text")
        }
        do {
            return (try INIParser.parse(text, file: path), true)
        } catch let error as INIError {
            throw SharedConfigError(message: "cannot parse \(error)")
        }
    }

    static func expand(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst(1) }
        return path
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}
