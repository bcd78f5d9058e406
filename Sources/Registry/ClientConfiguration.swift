#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the ECR Public client needs, resolved by the executable from flags, config and environment.
public struct ClientConfiguration {
    public static let defaultConcurrency = 16
    /// The service's documented default quota for BatchCheckLayerAvailability.
    public static let defaultCallsPerSecond = 200

    public var endpoint: Endpoint
    public var concurrency: Int
    public var retry: RetryPolicy
    public var connectTimeout: Double
    public var requestTimeout: Double
    /// The whole run must end by then (`--timeout`); unfinished batches become verification errors.
    public var deadline: Date?
    public var caBundle: String?
    public var callsPerSecond: Int
    public var userAgent: String
    /// Verbose log; every line goes through `HTTPLog`, which redacts.
    public var log: HTTPLog

    public init(
        endpoint: Endpoint, concurrency: Int = ClientConfiguration.defaultConcurrency,
        retry: RetryPolicy = RetryPolicy(),
        connectTimeout: Double = 10, requestTimeout: Double = 30, deadline: Date? = nil, caBundle: String? = nil,
        callsPerSecond: Int = ClientConfiguration.defaultCallsPerSecond, userAgent: String = "verify-layers",
        log: HTTPLog = HTTPLog(nil)
    ) {
        self.endpoint = endpoint
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.deadline = deadline
        self.caBundle = caBundle
        self.callsPerSecond = max(1, callsPerSecond)
        self.userAgent = userAgent
        self.log = log
    }
}
