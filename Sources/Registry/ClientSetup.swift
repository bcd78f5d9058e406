#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A setting that makes the run impossible before any connection (bad endpoint, bad AWS file, bad variable): exit 78.
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Everything a run resolves before its first call — endpoint, region, attempts, trust store, credential chain — from
/// flags, environment and the shared AWS files, in one place so `check`, `ci`, `pre-push` and `doctor` agree.
public struct ClientSetup {
    /// The flags of SPEC §1.2 that shape the client.
    public struct Flags {
        public var endpointURL: String?
        public var region: String?
        public var profile: String?
        public var maxAttempts: Int?
        public var concurrency: Int
        /// `--timeout` as an absolute time.
        public var deadline: Date?

        public init(
            endpointURL: String? = nil, region: String? = nil, profile: String? = nil, maxAttempts: Int? = nil,
            concurrency: Int = ClientConfiguration.defaultConcurrency, deadline: Date? = nil
        ) {
            self.endpointURL = endpointURL
            self.region = region
            self.profile = profile
            self.maxAttempts = maxAttempts
            self.concurrency = concurrency
            self.deadline = deadline
        }
    }

    public static let maxAttemptsLimit = 20

    public let shared: SharedConfig
    public let endpoint: Endpoint
    public let maxAttempts: Int
    /// `--max-attempts`, `AWS_MAX_ATTEMPTS`, `profile max_attempts` or `default`.
    public let maxAttemptsSource: String
    public let caBundle: String?
    public let caBundleSource: String?
    public let http: HTTPSettings
    public let configuration: ClientConfiguration
    public let chain: CredentialChain
    /// Where STS calls (web identity, assume role) would go, and why.
    public let stsEndpoint: String
    public let stsEndpointSource: String

    public static func resolve(
        flags: Flags, environment: [String: String], userAgent: String, log: HTTPLog = HTTPLog(nil)
    ) throws -> ClientSetup {
        let shared: SharedConfig
        do {
            shared = try SharedConfig.load(environment: environment, profileFlag: flags.profile)
        } catch let error as SharedConfigError {
            throw SetupError(message: error.message)
        }
        let endpoint: Endpoint
        do {
            endpoint = try EndpointResolver.resolve(
                flag: flags.endpointURL, region: flags.region, environment: environment,
                profileRegion: shared.setting("region"), profileEndpointURL: shared.setting("endpoint_url"),
                profileDualstack: EndpointResolver.isTrue(shared.setting("use_dualstack_endpoint")))
        } catch let error as EndpointError {
            throw SetupError(message: error.message)
        }
        let (attempts, attemptsSource) = try resolveAttempts(
            flag: flags.maxAttempts, environment: environment, shared: shared)
        let (caBundle, caSource) = try resolveCABundle(environment: environment, shared: shared)
        let http = HTTPSettings(caBundle: caBundle, userAgent: userAgent, deadline: flags.deadline, log: log)
        // STS is regional in the region the user configured (not ECR Public's fallback); none known means global STS.
        let stsRegion =
            SharedConfig.nonEmpty(flags.region) ?? SharedConfig.nonEmpty(environment["AWS_REGION"])
            ?? SharedConfig.nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? shared.setting("region")
        let chain: CredentialChain
        let sts: STSClient
        do {
            sts = try STSClient(environment: environment, region: stsRegion, http: http)
            chain = try CredentialChain.standard(
                environment: environment, sharedConfig: shared, stsRegion: stsRegion, http: http)
        } catch let error as EndpointError {
            throw SetupError(message: error.message)
        }
        let configuration = ClientConfiguration(
            endpoint: endpoint, concurrency: flags.concurrency, retry: RetryPolicy(maxAttempts: attempts),
            deadline: flags.deadline, caBundle: caBundle, userAgent: userAgent, log: log)
        return ClientSetup(
            shared: shared, endpoint: endpoint, maxAttempts: attempts, maxAttemptsSource: attemptsSource,
            caBundle: caBundle,
            caBundleSource: caSource, http: http, configuration: configuration, chain: chain, stsEndpoint: sts.url,
            stsEndpointSource: sts.source)
    }

    public func makeClient() -> ECRPublicClient {
        ECRPublicClient(configuration: configuration, credentials: chain)
    }

    /// `--max-attempts`, else `AWS_MAX_ATTEMPTS`, else the profile's `max_attempts`, else 3; a bad value is an error, not ignored.
    static func resolveAttempts(flag: Int?, environment: [String: String], shared: SharedConfig) throws -> (Int, String)
    {
        if let flag { return (flag, "--max-attempts") }
        let candidates: [(String?, String)] = [
            (environment["AWS_MAX_ATTEMPTS"], "AWS_MAX_ATTEMPTS"),
            (shared.setting("max_attempts"), "profile max_attempts"),
        ]
        for (value, source) in candidates {
            guard let raw = SharedConfig.nonEmpty(value) else { continue }
            guard let number = Int(raw), number >= 1, number <= maxAttemptsLimit else {
                throw SetupError(
                    message:
                        "\(source) must be a whole number from 1 to \(maxAttemptsLimit), not \(raw.debugDescription)")
            }
            return (number, source)
        }
        return (RetryPolicy().maxAttempts, "default")
    }

    /// `AWS_CA_BUNDLE`, else the profile's `ca_bundle`; it must be a readable file (curl's own error would come too late and vaguely).
    static func resolveCABundle(environment: [String: String], shared: SharedConfig) throws -> (String?, String?) {
        let home = SharedConfig.nonEmpty(environment["HOME"]) ?? FileManager.default.homeDirectoryForCurrentUser.path
        let candidates: [(String?, String)] = [
            (environment["AWS_CA_BUNDLE"], "AWS_CA_BUNDLE"), (shared.setting("ca_bundle"), "profile ca_bundle"),
        ]
        for (value, source) in candidates {
            guard let raw = SharedConfig.nonEmpty(value) else { continue }
            let path = SharedConfig.expand(raw, home: home)
            var isDirectory = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw SetupError(
                    message: "\(source) \(path): no such file (it must name a PEM file of CA certificates)")
            }
            guard !isDirectory, FileManager.default.isReadableFile(atPath: path) else {
                throw SetupError(
                    message: "\(source) \(path) is not a readable file (it must name a PEM file of CA certificates)")
            }
            return (path, source)
        }
        return (nil, nil)
    }
}
