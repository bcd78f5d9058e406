import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS credentials; `description` never shows the secret or token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expiration: Date?
    /// Which provider produced them (`environment`, `web-identity`, `profile default`, ...), for doctor and verbose logs.
    public var source: String

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil,
        source: String
    ) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// True when they expire within `margin` seconds (refresh before use).
    public func expiresSoon(now: Date = Date(), margin: TimeInterval = CredentialChain.refreshMargin) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) < margin
    }

    public func isExpired(now: Date = Date()) -> Bool {
        guard let expiration else { return false }
        return expiration <= now
    }

    public var description: String {
        "Credentials(source: \(source), accessKeyId: \(Redactor.maskAccessKey(accessKeyId)), sessionToken: \(sessionToken == nil ? "none" : "present"))"
    }

    /// Every secret string these credentials carry, for output scrubbing.
    public var secrets: [String] {
        [secretAccessKey, sessionToken].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Same key material (a refresh that handed back what we already had changes nothing).
    func sameKeys(as other: Credentials) -> Bool {
        accessKeyId == other.accessKeyId && secretAccessKey == other.secretAccessKey
            && sessionToken == other.sessionToken
    }
}

/// Why no credentials could be had; `tried` lists each source and what it said.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var tried: [String]
    /// A network failure or timeout talking to STS / a metadata endpoint (exit 69), not a rejection (exit 77).
    public var transient: Bool
    /// No source applies at all (nothing configured), as opposed to a configured source that failed: `auto` then asks
    /// the public registry instead of failing.
    public var noneConfigured: Bool

    public init(message: String, tried: [String] = [], transient: Bool = false, noneConfigured: Bool = false) {
        self.message = message
        self.tried = tried
        self.transient = transient
        self.noneConfigured = noneConfigured
    }

    public var description: String {
        guard !tried.isEmpty else { return message }
        return message + " (tried: " + tried.joined(separator: "; ") + ")"
    }
}

/// What a provider found: credentials, or why it does not apply here (listed when the whole chain comes up empty).
public enum ProviderResult: Sendable {
    case found(Credentials)
    case notConfigured(String)
}

/// A source of credentials in the chain; throws `CredentialError` when it applies but fails.
public protocol CredentialProvider {
    /// Short name for messages: `environment`, `web identity`, `shared files`, `container`, `EC2 instance metadata`.
    var name: String { get }
    func resolve() throws -> ProviderResult
}

/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: [String: String]
    public var name: String { "environment" }

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func resolve() throws -> ProviderResult {
        let key = SharedConfig.nonEmpty(environment["AWS_ACCESS_KEY_ID"]) ?? ""
        let secret = SharedConfig.nonEmpty(environment["AWS_SECRET_ACCESS_KEY"]) ?? ""
        if key.isEmpty && secret.isEmpty {
            return .notConfigured("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        }
        guard !key.isEmpty, !secret.isEmpty else {
            let missing = key.isEmpty ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"
            throw CredentialError(
                message:
                    "\(missing) is not set although \(key.isEmpty ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") is")
        }
        let token = SharedConfig.nonEmpty(environment["AWS_SESSION_TOKEN"])
        return .found(Credentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, source: name))
    }
}

/// The JSON that credential_process, the container endpoint and IMDS answer with (their key names differ slightly).
enum CredentialDocument {
    /// Parses `{AccessKeyId, SecretAccessKey, Token|SessionToken, Expiration}`; never echoes the document in errors.
    static func parse(_ data: Data, source: String, what: String) throws -> Credentials {
        guard let root = try? JSONValue.parse(data), root.objectValue != nil else {
            throw CredentialError(message: "\(what) did not answer with a JSON object (\(data.count) bytes)")
        }
        guard let key = root["AccessKeyId"]?.stringValue, !key.isEmpty else {
            throw CredentialError(message: "\(what) answered without AccessKeyId")
        }
        guard let secret = root["SecretAccessKey"]?.stringValue, !secret.isEmpty else {
            throw CredentialError(message: "\(what) answered without SecretAccessKey")
        }
        let token = root["Token"]?.stringValue ?? root["SessionToken"]?.stringValue
        var expiration: Date?
        if let raw = root["Expiration"]?.stringValue {
            guard let date = parseDate(raw) else {
                throw CredentialError(message: "\(what) answered with an unreadable Expiration \(raw.debugDescription)")
            }
            expiration = date
        }
        return Credentials(
            accessKeyId: key, secretAccessKey: secret, sessionToken: (token?.isEmpty ?? true) ? nil : token,
            expiration: expiration, source: source)
    }

    /// ISO 8601 with or without fractional seconds (`2026-01-01T00:00:00Z`, `…00.000Z`, `…+00:00`).
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
