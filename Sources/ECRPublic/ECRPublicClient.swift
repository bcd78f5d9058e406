import CCurl
import Foundation
import ImageModel
import Verification

/// `BatchCheckLayerAvailability` over libcurl's multi interface: many signed calls in flight, retried like an SDK.
public final class ECRPublicClient: LayerRegistry {
    public static let target = "SpencerFrontendService.BatchCheckLayerAvailability"
    let configuration: ClientConfiguration
    let credentials: CredentialChain
    /// Calls actually sent, retries included (for benchmarks and verbose output).
    public internal(set) var requestsSent = 0
    /// Told about each batch as it is queued and answered (the progress line); nil costs nothing.
    public var observer: CallObserver?

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
        let queue = TransferQueue(configuration: configuration, perSecond: configuration.callsPerSecond)
        queue.observer = observer
        let driver = APIDriver(client: self)
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

    /// The signed request, and the header lines we set (for the redacted verbose log).
    func makeRequest(for batch: LayerBatch, credentials: Credentials) throws -> (CurlEasy, [String]) {
        try makeRequest(target: Self.target, body: RequestBody.batchCheckLayerAvailability(batch), credentials: credentials)
    }

    /// One signed JSON 1.1 call of any operation (`target` is the full `X-Amz-Target`).
    func makeRequest(target: String, body data: Data, credentials: Credentials) throws -> (CurlEasy, [String]) {
        let easy = try CurlEasy()
        try easy.set(CURLOPT_URL, string: configuration.endpoint.url)
        try easy.set(CURLOPT_POST, 1)
        try easy.setBody(data)
        var headers = [
            "Content-Type: application/x-amz-json-1.1",
            "X-Amz-Target: \(target)",
        ]
        if let token = credentials.sessionToken { headers.append("X-Amz-Security-Token: \(token)") }
        try easy.setHeaders(headers)
        try easy.set(CURLOPT_AWS_SIGV4, string: "aws:amz:\(configuration.endpoint.region):ecr-public")
        try easy.set(CURLOPT_USERNAME, string: credentials.accessKeyId)
        try easy.set(CURLOPT_PASSWORD, string: credentials.secretAccessKey)
        try easy.set(CURLOPT_USERAGENT, string: configuration.userAgent)
        try easy.set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        try easy.set(CURLOPT_TIMEOUT_MS, Int(configuration.requestTimeout * 1000))
        // Waiting to learn whether a connection multiplexes is only worth it where ALPN answers during the handshake:
        // over plain HTTP/1.1 it would hold every other call until the first answer arrives.
        if configuration.endpoint.url.lowercased().hasPrefix("https://") { try easy.set(CURLOPT_PIPEWAIT, 1) }
        // Large batches would wait for `100 Continue`; a removed `Expect:` header cannot be used instead, because
        // curl 7.88's SigV4 signs it although it is never sent.
        try easy.set(CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        if let bundle = configuration.caBundle { try easy.set(CURLOPT_CAINFO, string: bundle) }
        return (easy, headers)
    }

    func describe(_ outcome: AttemptOutcome, easy: CurlEasy) -> String {
        let requestID = easy.sink.headers["x-amzn-requestid"].map { " request-id=\($0)" } ?? ""
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
