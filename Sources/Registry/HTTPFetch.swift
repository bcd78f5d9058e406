#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What every HTTP call of one run shares: the trust store, the user agent, the run's deadline and the verbose log.
public struct HTTPSettings: Sendable {
    public var caBundle: String?
    public var userAgent: String
    /// `--timeout`: no transfer may outlive it, credential fetches included.
    public var deadline: Date?
    public var log: HTTPLog

    public init(
        caBundle: String? = nil, userAgent: String = "verify-layers", deadline: Date? = nil, log: HTTPLog = HTTPLog(nil)
    ) {
        self.caBundle = caBundle
        self.userAgent = userAgent
        self.deadline = deadline
        self.log = log
    }
}

/// A transfer that produced no HTTP answer: refused, reset, timed out, TLS failure, or the run's deadline.
struct HTTPTransportError: Error, CustomStringConvertible {
    var message: String
    var isTimeout: Bool
    var description: String { message }
}

/// Runs one `HTTPRequest` synchronously (credential endpoints, doctor), clamped to the run's deadline and logged
/// through `HTTPLog`; the batch paths use the transfer queue instead, with the same request value and curl setup.
enum HTTPFetch {
    static func perform(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse {
        var request = request
        request.caBundle = settings.caBundle
        request.userAgent = settings.userAgent
        if let deadline = settings.deadline {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0.01 else {
                throw HTTPTransportError(message: "the run's --timeout expired before \(request.what)", isTimeout: true)
            }
            request.timeout = min(request.timeout, remaining)
            request.connectTimeout = min(request.connectTimeout, remaining)
        }
        let easy: CurlEasy
        do {
            easy = try CurlEasy(request: request)
        } catch {
            throw HTTPTransportError(
                message: "cannot prepare the request for \(request.what): \(error)", isTimeout: false)
        }
        let started = Date()
        let result = easy.perform()
        let elapsed = Int(Date().timeIntervalSince(started) * 1000)
        switch result {
        case .success(let response):
            settings.log.exchange(
                method: request.method, url: request.url, what: request.what,
                outcome: "HTTP \(response.status)", elapsedMs: elapsed)
            return response
        case .failure(let failure):
            let message =
                failure.kind == .overflow
                ? "the answer exceeded \(TransportFailure.maxBodySize) bytes" : Redactor.url(failure.detail)
            settings.log.exchange(
                method: request.method, url: request.url, what: request.what,
                outcome: "failed: \(message)", elapsedMs: elapsed)
            throw HTTPTransportError(message: message, isTimeout: failure.isTimeout)
        }
    }
}
