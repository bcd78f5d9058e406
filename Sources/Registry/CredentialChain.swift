#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Walks providers in SDK order, remembers the winner and refreshes its credentials before they expire.
public final class CredentialChain {
    /// Refresh this long before expiry (botocore's advisory window is 15 min, its mandatory one 10 min; STS hands out ≥ 15 min).
    public static let refreshMargin: TimeInterval = 300
    /// While credentials are still valid, a failing or short-lived source is asked again at most this often.
    public static let minimumRefreshInterval: TimeInterval = 10

    private let providers: [CredentialProvider]
    private let now: () -> Date
    private var cached: Credentials?
    private var winner: Int?
    private var lastAttempt: Date?
    /// How many times a provider handed out credentials (first resolution and refreshes), for tests and verbose output.
    public private(set) var fetches = 0
    /// Receives one line per refresh; no secrets.
    public var log: HTTPLog = HTTPLog(nil)

    public init(providers: [CredentialProvider], now: @escaping () -> Date = Date.init) {
        self.providers = providers
        self.now = now
    }

    public var providerNames: [String] { providers.map(\.name) }

    /// The current credentials: resolved on first use, refreshed from the same source when they near expiry,
    /// or at once with `forceRefresh` (after the service said the token expired).
    public func resolve(forceRefresh: Bool = false) throws -> Credentials {
        let time = now()
        if let cached, let winner {
            if !forceRefresh && !cached.expiresSoon(now: time) { return cached }
            let expired = cached.isExpired(now: time)
            if !forceRefresh, !expired, let lastAttempt,
                time.timeIntervalSince(lastAttempt) < Self.minimumRefreshInterval
            {
                return cached
            }
            return try refresh(cached, from: providers[winner], keepOnFailure: !forceRefresh && !expired, at: time)
        }
        var tried: [String] = []
        for (index, provider) in providers.enumerated() {
            let result: ProviderResult
            do {
                result = try provider.resolve()
            } catch let error as CredentialError {
                throw CredentialError(
                    message: "\(provider.name): \(error.message)", tried: tried, transient: error.transient)
            } catch {
                throw CredentialError(message: "\(provider.name): \(Redactor.url("\(error)"))", tried: tried)
            }
            switch result {
            case .found(let credentials):
                cached = credentials
                winner = index
                lastAttempt = time
                fetches += 1
                return credentials
            case .notConfigured(let why):
                tried.append("\(provider.name): \(why)")
            }
        }
        throw CredentialError(message: "no AWS credentials found", tried: tried, noneConfigured: true)
    }

    private func refresh(_ old: Credentials, from provider: CredentialProvider, keepOnFailure: Bool, at time: Date)
        throws -> Credentials
    {
        lastAttempt = time
        let failure: CredentialError
        do {
            switch try provider.resolve() {
            case .found(let fresh):
                cached = fresh
                fetches += 1
                log.note("credentials from \(fresh.source) refreshed (\(Redactor.maskAccessKey(fresh.accessKeyId)))")
                return fresh
            case .notConfigured(let why):
                failure = CredentialError(message: "\(provider.name) no longer provides credentials: \(why)")
            }
        } catch let error as CredentialError {
            failure = CredentialError(
                message: "refreshing credentials from \(provider.name) failed: \(error.message)",
                transient: error.transient)
        } catch {
            failure = CredentialError(
                message: "refreshing credentials from \(provider.name) failed: \(Redactor.url("\(error)"))")
        }
        if keepOnFailure {
            log.note("\(failure.message); still using the current credentials until they expire")
            return old
        }
        throw failure
    }
}

/// Stands in the chain for a source that is deliberately off, so the "tried" list says why.
struct SkippedProvider: CredentialProvider {
    let name: String
    let reason: String

    func resolve() throws -> ProviderResult { .notConfigured(reason) }
}

extension CredentialChain {
    /// The AWS SDK chain (SPEC §4): environment, web identity, shared files (profiles, role_arn, credential_process),
    /// container, EC2 IMDSv2. `--profile` skips the environment, as in botocore.
    public static func standard(
        environment: [String: String], sharedConfig: SharedConfig, stsRegion: String?,
        http: HTTPSettings
    ) throws -> CredentialChain {
        let sts = try STSClient(environment: environment, region: stsRegion, http: http)
        var providers: [CredentialProvider] = []
        if sharedConfig.profileFromFlag {
            providers.append(
                SkippedProvider(
                    name: "environment", reason: "skipped because --profile \(sharedConfig.profileName) was given"))
        } else {
            providers.append(EnvironmentCredentialProvider(environment: environment))
        }
        providers.append(WebIdentityCredentialProvider(environment: environment, sts: sts))
        providers.append(
            SharedFilesCredentialProvider(config: sharedConfig, environment: environment, sts: sts, http: http))
        providers.append(ContainerCredentialProvider(environment: environment, http: http))
        providers.append(IMDSCredentialProvider(environment: environment, http: http))
        let chain = CredentialChain(providers: providers)
        chain.log = http.log
        return chain
    }
}
