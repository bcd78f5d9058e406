import ImageModel

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS SDK "standard" retry mode: attempts, full-jitter exponential backoff and a retry budget.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 20) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Delay before attempt `attempt + 1` after `attempt` failed: rand × min(base × 2^(attempt-1), cap).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = Double(max(0, attempt - 1))
        return random * min(baseDelay * pow(2, exponent), maxDelay)
    }
}

/// The SDK's retry quota: an outage drains it, so retries stop multiplying traffic.
final class RetryBudget {
    private(set) var tokens: Int
    static let initial = 500
    static let retryCost = 5
    static let timeoutCost = 10

    init(tokens: Int = RetryBudget.initial) {
        self.tokens = tokens
    }

    /// Takes the cost of one retry; false when the budget is spent.
    func acquire(timeout: Bool) -> Int? {
        let cost = timeout ? RetryBudget.timeoutCost : RetryBudget.retryCost
        guard tokens >= cost else { return nil }
        tokens -= cost
        return cost
    }

    func release(_ cost: Int?) {
        tokens = min(RetryBudget.initial, tokens + (cost ?? 1))
    }
}

/// What a failed attempt was, as far as retrying is concerned.
enum AttemptOutcome {
    case success(Data)
    case retryable(String, isTimeout: Bool)
    case repositoryNotFound(String)
    case credentials(String, expired: Bool)
    case fatal(String)
}

/// Turns a finished HTTP exchange into an outcome, reading the error code where the SDKs read it.
enum ErrorClassifier {
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "ThrottleException",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "ServerException", "ServiceUnavailable",
    ]
    static let credentialCodes: Set<String> = [
        "InvalidSignatureException", "UnrecognizedClientException", "MissingAuthenticationTokenException",
        "IncompleteSignatureException",
        "AccessDeniedException", "AccessDenied", "InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure",
        "NotAuthorized",
        "ExpiredTokenException", "ExpiredToken", "RequestExpired", "InvalidAccessKeyId", "InvalidToken",
    ]
    static let expiredCodes: Set<String> = ["ExpiredTokenException", "ExpiredToken", "RequestExpired"]

    /// `__type` (after `#`, before `:`), else `code`, else `x-amzn-ErrorType`.
    static func errorCode(body: Data, headers: [String: String]) -> (code: String?, message: String?) {
        var code: String?
        var message: String?
        if let object = try? JSONValue.parse(body), object.objectValue != nil {
            if let type = object["__type"]?.stringValue { code = normalise(type) }
            if code == nil, let value = object["code"]?.stringValue { code = normalise(value) }
            message = object["message"]?.stringValue ?? object["Message"]?.stringValue
        }
        if code == nil, let header = headers["x-amzn-errortype"] { code = normalise(header) }
        return (code, message)
    }

    static func normalise(_ raw: String) -> String {
        var value = Substring(raw)
        if let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        if let hash = value.lastIndex(of: "#") { value = value[value.index(after: hash)...] }
        return value.trimmingWhitespace()
    }

    static func classify(status: Int, body: Data, headers: [String: String]) -> AttemptOutcome {
        if status == 200 { return .success(body) }
        let (code, message) = errorCode(body: body, headers: headers)
        let text = [code, message].compactMap { $0 }.joined(separator: ": ")
        let detail = "HTTP \(status)" + (text.isEmpty ? "" : " \(String(text.prefix(300)))")
        if let code {
            if throttlingCodes.contains(code) { return .retryable(detail, isTimeout: false) }
            if code == "RepositoryNotFoundException" || code == "RegistryNotFoundException" {
                return .repositoryNotFound(message ?? code)
            }
            if credentialCodes.contains(code) { return .credentials(detail, expired: expiredCodes.contains(code)) }
            if transientCodes.contains(code) { return .retryable(detail, isTimeout: false) }
        }
        switch status {
        case 429, 500, 502, 503, 504: return .retryable(detail, isTimeout: false)
        case 401, 403: return .credentials(detail, expired: false)
        default: return .fatal(detail)
        }
    }
}
