import CCurl
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

    public init(caBundle: String? = nil, userAgent: String = "verify-layers", deadline: Date? = nil, log: HTTPLog = HTTPLog(nil)) {
        self.caBundle = caBundle
        self.userAgent = userAgent
        self.deadline = deadline
        self.log = log
    }
}

/// One small synchronous request (credential endpoints, doctor); the batch client uses the multi interface instead.
struct HTTPRequest {
    var method: String
    var url: String
    var headers: [String] = []
    var body: Data?
    var connectTimeout: Double
    var timeout: Double
    /// Metadata endpoints are link-local or loopback: a proxy cannot reach them and must not see their answers.
    var bypassProxy = false
    /// SigV4-sign with these credentials for (region, service), as curl does for the ECR calls.
    var signing: (credentials: Credentials, region: String, service: String)?
    /// Label for the verbose log, e.g. `IMDS token`.
    var what: String
}

/// An HTTP answer of any status.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that produced no HTTP answer: refused, reset, timed out, TLS failure, or the run's deadline.
struct HTTPTransportError: Error, CustomStringConvertible {
    var message: String
    var isTimeout: Bool
    var description: String { message }
}

/// Runs `HTTPRequest`s over a `CurlEasy`, clamped to the run's deadline and logged through `HTTPLog`.
enum HTTPFetch {
    static func perform(_ request: HTTPRequest, settings: HTTPSettings) throws -> HTTPResponse {
        var timeout = request.timeout
        var connectTimeout = request.connectTimeout
        if let deadline = settings.deadline {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0.01 else {
                throw HTTPTransportError(message: "the run's --timeout expired before \(request.what)", isTimeout: true)
            }
            timeout = min(timeout, remaining)
            connectTimeout = min(connectTimeout, remaining)
        }
        let easy: CurlEasy
        do {
            easy = try CurlEasy()
            try easy.set(CURLOPT_URL, string: request.url)
            try easy.set(CURLOPT_PROTOCOLS_STR, string: "http,https")
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connectTimeout * 1000)))
            try easy.set(CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
            try easy.set(CURLOPT_USERAGENT, string: settings.userAgent)
            if request.bypassProxy { try easy.set(CURLOPT_NOPROXY, string: "*") }
            if let bundle = settings.caBundle { try easy.set(CURLOPT_CAINFO, string: bundle) }
            switch request.method {
            case "GET":
                try easy.set(CURLOPT_HTTPGET, 1)
            case "POST":
                try easy.set(CURLOPT_POST, 1)
                try easy.setBody(request.body ?? Data())
            default:
                try easy.set(CURLOPT_CUSTOMREQUEST, string: request.method)
                if let body = request.body { try easy.setBody(body) }
            }
            var headers = request.headers
            if let signing = request.signing {
                try easy.set(CURLOPT_AWS_SIGV4, string: "aws:amz:\(signing.region):\(signing.service)")
                try easy.set(CURLOPT_USERNAME, string: signing.credentials.accessKeyId)
                try easy.set(CURLOPT_PASSWORD, string: signing.credentials.secretAccessKey)
                if let token = signing.credentials.sessionToken { headers.append("X-Amz-Security-Token: \(token)") }
            }
            try easy.setHeaders(headers)
        } catch {
            throw HTTPTransportError(message: "cannot prepare the request for \(request.what): \(error)", isTimeout: false)
        }
        let started = Date()
        do {
            try easy.perform()
        } catch let error as CurlError {
            let elapsed = Int(Date().timeIntervalSince(started) * 1000)
            let timedOut = error.code == Int32(CURLE_OPERATION_TIMEDOUT.rawValue)
            let message = easy.sink.overflowed ? "the answer exceeded \(ResponseSink.maxBodySize) bytes" : Redactor.url(error.message)
            settings.log.exchange(method: request.method, url: request.url, what: request.what, outcome: "failed: \(message)", elapsedMs: elapsed)
            throw HTTPTransportError(message: message, isTimeout: timedOut)
        }
        let elapsed = Int(Date().timeIntervalSince(started) * 1000)
        settings.log.exchange(method: request.method, url: request.url, what: request.what, outcome: "HTTP \(easy.statusCode)", elapsedMs: elapsed)
        return HTTPResponse(status: easy.statusCode, headers: easy.sink.headers, body: easy.sink.body)
    }
}
