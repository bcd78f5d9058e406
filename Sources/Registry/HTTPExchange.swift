#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One HTTP request as every path sends it (signed API calls, registry HEADs, credential fetches, doctor): the curl
/// adapter turns it into a transfer in one place (`CurlEasy.init(request:)`), so no caller names a curl option.
struct HTTPRequest {
    /// SigV4 signing as curl does it: the access key pair, and the scope's region and service.
    typealias Signing = (credentials: Credentials, region: String, service: String)

    var method: String
    var url: String
    var headers: [String] = []
    var body: Data?
    var connectTimeout: Double
    var timeout: Double
    /// Metadata endpoints are link-local or loopback: a proxy cannot reach them and must not see their answers.
    var bypassProxy = false
    /// SigV4-sign with these credentials for (region, service).
    var signing: Signing?
    /// Label for the verbose log, e.g. `IMDS token`.
    var what: String
    /// The run's trust store (`--ca-bundle`, `AWS_CA_BUNDLE`); nil uses the system's.
    var caBundle: String?
    var userAgent = "verify-layers"

    /// The header lines sent: the caller's, then the session token of temporary signing credentials.
    var headerLines: [String] {
        guard let token = signing?.credentials.sessionToken else { return headers }
        return headers + ["X-Amz-Security-Token: \(token)"]
    }

    /// Whether the transfer goes over TLS, where HTTP/2 is negotiated (and worth waiting for, to multiplex).
    var isHTTPS: Bool { url.lowercased().hasPrefix("https://") }
}

/// An HTTP answer of any status; headers by lower-cased name.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that produced no HTTP answer, classified the way the SDKs classify it (refused, reset and timed out are
/// retried; anything else is not), with the headers that arrived before it broke off.
struct TransportFailure: Error, CustomStringConvertible {
    /// What went wrong, as far as retrying is concerned.
    enum Kind: Equatable {
        case timedOut
        case connection
        /// The answer was larger than `maxBodySize`; the transfer was cut off.
        case overflow
        case other
    }

    /// The largest answer body kept; a larger one ends the transfer as `.overflow`.
    static let maxBodySize = 8 * 1024 * 1024

    var kind: Kind
    /// curl's detailed error text (or its generic message).
    var detail: String
    var headers: [String: String] = [:]

    var retryable: Bool { kind == .timedOut || kind == .connection }
    var isTimeout: Bool { kind == .timedOut }

    /// The failure as the transfer queue reports it.
    var reason: String {
        switch kind {
        case .overflow: return "the service's answer exceeded \(Self.maxBodySize) bytes"
        case .timedOut: return "timed out: \(detail)"
        case .connection: return "connection failed: \(detail)"
        case .other: return "request failed: \(detail)"
        }
    }

    var description: String { reason }
}

/// How a transfer ended: an HTTP answer of any status, or a transport failure.
typealias TransferResult = Result<HTTPResponse, TransportFailure>

extension Result where Success == HTTPResponse, Failure == TransportFailure {
    /// The answer's headers, or those that arrived before the transfer failed.
    var headers: [String: String] {
        switch self {
        case .success(let response): return response.headers
        case .failure(let failure): return failure.headers
        }
    }
}

/// A request could not be turned into a transfer (no credentials yet, no usable token realm).
struct TransferSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
