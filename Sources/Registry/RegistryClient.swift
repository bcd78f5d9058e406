import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Asks the public registry itself (OCI distribution API) instead of the signed API, so anyone can check without AWS
/// credentials: anonymous pull tokens from the registry's challenge, then one HEAD per distinct blob or manifest,
/// all through the same transfer queue (concurrency, retries, deadline) as the API way.
public final class RegistryClient: LayerRegistry, ManifestRegistry {
    public let endpoint: RegistryEndpoint
    let configuration: ClientConfiguration
    let session: RegistrySession
    /// Requests actually sent, retries and token requests included (for benchmarks, doctor and verbose output).
    public private(set) var requestsSent = 0
    /// Told about each batch as it is queued and answered (the progress line); nil costs nothing.
    public var observer: CallObserver?
    /// Token requests sent (one per repository per run, plus a refresh after a 401).
    public var tokenRequests: Int { session.tokenRequests }
    /// `ecr-public:GetAuthorizationToken` (base64 `AWS:<password>`), sent as Basic credentials to the token server for
    /// authenticated pulls and their higher quota; nil asks anonymously. Called at most once per client.
    public var login: (() throws -> String)?
    /// Whether pull tokens were asked for with AWS credentials (for the report and doctor).
    public var isAuthenticated: Bool { session.basic != nil }

    public init(endpoint: RegistryEndpoint, configuration: ClientConfiguration) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.session = RegistrySession()
    }

    /// Manifest requests are paced by the documented pull quota on ECR Public; other registries publish none.
    var pullsPerSecond: Int {
        guard endpoint.isECRPublic else { return PullQuota.unlimitedPerSecond }
        return login == nil ? PullQuota.unauthenticatedPerSecond : PullQuota.authenticatedPerSecond
    }

    /// Logs in once, before the first token request; a failed login falls back to anonymous pulls (they need nothing).
    func loginOnce() {
        guard let login, !session.loginTried else { return }
        session.loginTried = true
        do {
            session.basic = try login()
            configuration.log.note(
                "registry pull tokens are asked for with ecr-public:GetAuthorizationToken (authenticated pulls)")
        } catch {
            configuration.log.note("ecr-public:GetAuthorizationToken failed, asking anonymously: \(error)")
        }
    }

    public func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        guard !batches.isEmpty else { return [] }
        return check(stream: BatchStream(finished: batches))
    }

    public func check(stream: BatchStream) -> [BatchAnswer] {
        let queue = TransferQueue(configuration: configuration, perSecond: pullsPerSecond)
        queue.observer = observer
        let driver = RegistryDriver(client: self, manifests: [])
        let answers = queue.run(driver, stream: stream)
        requestsSent += queue.transfersStarted
        return answers
    }

    public func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer] {
        guard !queries.isEmpty else { return [:] }
        let queue = TransferQueue(configuration: configuration, perSecond: pullsPerSecond)
        let driver = RegistryDriver(client: self, manifests: queries)
        _ = queue.run(driver, stream: BatchStream(finished: []), initial: driver.initialTransfers())
        requestsSent += queue.transfersStarted
        return driver.manifestAnswers()
    }

    /// `GET /v2/` once (doctor): whether this is a registry and which token server its challenge names.
    public func probe() -> (String, Bool) {
        let request = self.request(url: url("/v2/"), method: "GET", headers: [], what: "registry challenge")
        let settings = HTTPSettings(
            caBundle: configuration.caBundle, userAgent: configuration.userAgent,
            deadline: configuration.deadline, log: configuration.log)
        do {
            let response = try HTTPFetch.perform(request, settings: settings)
            if response.status == 200 { return ("ok, HTTP 200 (no pull token needed)", true) }
            if response.status == 401,
                let challenge = response.headers["www-authenticate"].flatMap(BearerChallenge.parse)
            {
                return (
                    "ok, HTTP 401 with a Bearer challenge (token realm \(challenge.realm), service \(challenge.service ?? "none"))",
                    true
                )
            }
            return ("error, HTTP \(response.status) (not an OCI registry?)", false)
        } catch {
            return ("could not verify: \(error)", false)
        }
    }

    /// `<alias>/<repository>` as the registry names it; nil when the registry id is not an alias (an account id has no URL).
    static func path(_ repository: RepositoryRef) -> String? {
        guard let alias = repository.registryId, ImageReference.isValidAlias(alias) else { return nil }
        return "\(alias)/\(repository.repositoryName)"
    }

    func url(_ suffix: String) -> String { "\(endpoint.url)\(suffix)" }

    /// A registry request with the run's timeouts, trust store and user agent.
    func request(url: String, method: String, headers: [String], what: String) -> HTTPRequest {
        HTTPRequest(
            method: method, url: url, headers: headers, connectTimeout: configuration.connectTimeout,
            timeout: configuration.requestTimeout, what: what, caBundle: configuration.caBundle,
            userAgent: configuration.userAgent)
    }
}
