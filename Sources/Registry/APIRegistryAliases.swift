import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ECRPublicClient {
    static let describeRegistriesTarget = "SpencerFrontendService.DescribeRegistries"

    /// The aliases of the caller's own public registry, from one `DescribeRegistries` (asked at most once per client).
    /// `DescribeImages` takes a 12-digit registry id only and searches the caller's own registry without one, so an image
    /// under another account's alias cannot be looked up on the API way. Nil when the call fails (a role without
    /// `ecr-public:DescribeRegistries`): every alias is then taken as the caller's own.
    public func ownRegistryAliases() -> Set<String>? {
        if let known = knownRegistryAliases { return known }
        let queue = TransferQueue(configuration: configuration, perSecond: configuration.callsPerSecond)
        let driver = RegistryAliasesDriver(client: self)
        _ = queue.run(driver, stream: BatchStream(finished: []), initial: [0])
        requestsSent += queue.transfersStarted
        knownRegistryAliases = .some(driver.aliases)
        return driver.aliases
    }

    /// True when `repository` is named by a registry alias that the caller's own registry does not have (never for an
    /// account id, the caller's default registry, or when the caller's aliases cannot be listed).
    public func isAnotherAccountsAlias(_ repository: RepositoryRef) -> Bool {
        guard let alias = repository.registryId, !ImageReference.isAccountID(alias) else { return false }
        guard let own = ownRegistryAliases() else { return false }
        return !own.contains(alias)
    }
}

/// One signed `DescribeRegistries` through the transfer queue (retried like every call); its answer's alias names.
final class RegistryAliasesDriver: SignedLookupDriver {
    let client: ECRPublicClient
    var credentials: Credentials?
    /// The caller's aliases once answered; nil until then, and after any failure.
    private(set) var aliases: Set<String>?

    init(client: ECRPublicClient) {
        self.client = client
    }

    func makeTransfer(_ id: Int) throws -> HTTPRequest {
        try signedRequest(target: ECRPublicClient.describeRegistriesTarget, body: Data("{}".utf8))
    }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        let outcome = AttemptOutcome.of(result)
        client.log.exchange(
            method: "POST", url: client.configuration.endpoint.url, what: "DescribeRegistries attempt=\(attempt)",
            outcome: client.describe(outcome, headers: result.headers), elapsedMs: elapsedMs)
        switch outcome {
        case .success(let body):
            let registries = (try? JSONValue.parse(body))?["registries"]?.arrayValue
            aliases = registries.map { list in
                Set(list.flatMap { $0["aliases"]?.arrayValue ?? [] }.compactMap { $0["name"]?.stringValue })
            }
        case .retryable(let reason, let isTimeout):
            return .retry(reason, isTimeout: isTimeout, retryAfter: TransferQueue.retryAfter(result.headers))
        default:
            aliases = nil
        }
        return .done(then: [])
    }

    func failed(_ id: Int, _ failure: BatchFailure) { aliases = nil }
}
