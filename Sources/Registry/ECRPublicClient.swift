import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `BatchCheckLayerAvailability` over libcurl's multi interface: many signed calls in flight, retried like an SDK.
/// The `Registry` module owns asking (the transfer queue, the API and registry ways, credentials, retries, the curl
/// adapter in `Curl*.swift`, the only code naming libcurl); it must not know about git, image formats or reports.
public final class ECRPublicClient: LayerRegistry {
    public static let target = "SpencerFrontendService.BatchCheckLayerAvailability"
    let configuration: ClientConfiguration
    let credentials: CredentialChain
    /// Calls actually sent, retries included (for benchmarks and verbose output).
    public internal(set) var requestsSent = 0
    /// Told about each batch as it is queued and answered (the progress line); nil costs nothing.
    public var observer: CallObserver?
    /// `ownRegistryAliases()` once asked: nil when not yet asked, `.some(nil)` when the call failed.
    var knownRegistryAliases: Set<String>??

    public init(configuration: ClientConfiguration, credentials: CredentialChain) {
        self.configuration = configuration
        self.credentials = credentials
    }

    public func check(_ batches: [LayerBatch]) -> [BatchAnswer] {
        guard !batches.isEmpty else { return [] }
        return check(stream: BatchStream(finished: batches))
    }

    /// Sends batches as they arrive; credentials are resolved only once there is something to ask.
    public func check(stream: BatchStream) -> [BatchAnswer] {
        run(stream, delivering: nil)
    }

    /// Sends batches as they arrive and hands each answer over as soon as it is final.
    public func check(stream: BatchStream, delivering deliver: @escaping (BatchAnswer) -> Void) {
        run(stream, delivering: deliver).forEach(deliver)
    }

    /// One run of the transfer queue; returns the answers not delivered on the way.
    private func run(_ stream: BatchStream, delivering deliver: ((BatchAnswer) -> Void)?) -> [BatchAnswer] {
        let queue = TransferQueue(configuration: configuration, perSecond: configuration.callsPerSecond)
        queue.observer = observer
        let driver = APIDriver(client: self)
        driver.deliver = deliver
        let answers = queue.run(driver, stream: stream)
        requestsSent += queue.transfersStarted
        return answers
    }

    /// No credentials, or a source that refused (exit 77); a source that could not be reached in time is 69.
    public static func credentialFailure(_ error: Error) -> BatchFailure {
        if let error = error as? CredentialError {
            var failure = BatchFailure(error.transient ? .unverifiable : .credentials, Redactor.url(error.description))
            failure.tried = error.tried.map { String($0.prefix { $0 != ":" }) }
            failure.noCredentials = error.noneConfigured
            return failure
        }
        return BatchFailure(.credentials, Redactor.url("\(error)"))
    }

    /// The signed `BatchCheckLayerAvailability` call for one batch.
    func request(for batch: LayerBatch, credentials: Credentials) -> HTTPRequest {
        request(target: Self.target, body: RequestBody.batchCheckLayerAvailability(batch), credentials: credentials)
    }

    /// One signed JSON 1.1 call of any operation (`target` is the full `X-Amz-Target`), with the run's timeouts, trust
    /// store and user agent.
    func request(target: String, body: Data, credentials: Credentials) -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: configuration.endpoint.url,
            headers: ["Content-Type: application/x-amz-json-1.1", "X-Amz-Target: \(target)"], body: body,
            connectTimeout: configuration.connectTimeout, timeout: configuration.requestTimeout,
            signing: (credentials, configuration.endpoint.region, "ecr-public"), what: target,
            caBundle: configuration.caBundle, userAgent: configuration.userAgent)
    }

    func describe(_ outcome: AttemptOutcome, headers: [String: String]) -> String {
        let requestID = headers["x-amzn-requestid"].map { " request-id=\($0)" } ?? ""
        switch outcome {
        case .success: return "HTTP 200\(requestID)"
        case .retryable(let reason, _): return "\(reason) (retryable)\(requestID)"
        case .credentials(let reason, _): return "\(reason)\(requestID)"
        case .repositoryNotFound(let reason): return "repository not found: \(reason)\(requestID)"
        case .fatal(let reason): return "\(reason)\(requestID)"
        }
    }

    var log: HTTPLog { configuration.log }
}
