import Foundation

/// AWS credentials; `description` never shows the secret or token.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expiration: Date?
    /// Which provider produced them (`environment`, `web-identity`, `profile default`, ...), for doctor and verbose logs.
    public var source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// True when they expire within `margin` seconds (refresh before use).
    public func expiresSoon(now: Date = Date(), margin: TimeInterval = 300) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) < margin
    }

    public var description: String {
        "Credentials(source: \(source), accessKeyId: \(Redactor.maskAccessKey(accessKeyId)), sessionToken: \(sessionToken == nil ? "none" : "present"))"
    }

    /// Every secret string these credentials carry, for output scrubbing.
    public var secrets: [String] {
        [secretAccessKey, sessionToken].compactMap { $0 }.filter { !$0.isEmpty }
    }
}

/// Why no credentials could be had; `tried` lists each source and what it said.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var tried: [String]

    public init(message: String, tried: [String] = []) {
        self.message = message
        self.tried = tried
    }

    public var description: String {
        guard !tried.isEmpty else { return message }
        return message + "; tried: " + tried.joined(separator: "; ")
    }
}

/// A source of credentials in the chain; returns nil when it does not apply, throws when it applies but fails.
public protocol CredentialProvider {
    var name: String { get }
    func credentials() throws -> Credentials?
}

/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    let environment: [String: String]
    public var name: String { "environment" }

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() throws -> Credentials? {
        let key = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        if key.isEmpty && secret.isEmpty { return nil }
        guard !key.isEmpty, !secret.isEmpty else {
            throw CredentialError(message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return Credentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, source: name)
    }
}

/// Walks providers in SDK order and caches the winner, refreshing it when it is about to expire.
public final class CredentialChain {
    private let providers: [CredentialProvider]
    private var cached: Credentials?

    public init(providers: [CredentialProvider]) {
        self.providers = providers
    }

    /// The current credentials, resolving (or refreshing) them when needed.
    public func resolve(forceRefresh: Bool = false) throws -> Credentials {
        if !forceRefresh, let cached, !cached.expiresSoon() { return cached }
        var tried: [String] = []
        for provider in providers {
            do {
                if let found = try provider.credentials() {
                    cached = found
                    return found
                }
                tried.append("\(provider.name): not configured")
            } catch let error as CredentialError {
                throw CredentialError(message: "\(provider.name) credentials failed: \(error.message)", tried: tried)
            } catch {
                throw CredentialError(message: "\(provider.name) credentials failed: \(Redactor.scrub("\(error)"))", tried: tried)
            }
        }
        throw CredentialError(message: "no AWS credentials found", tried: tried)
    }
}
