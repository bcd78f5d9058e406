import CCurl

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CurlEasy {
    /// The one place an `HTTPRequest` becomes curl options, for the queue and the synchronous path alike.
    func configure(_ request: HTTPRequest) throws {
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout))
        try set(CURLOPT_USERAGENT, string: request.userAgent)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        // Large bodies would wait for `100 Continue`; a removed `Expect:` header cannot be used instead, because
        // curl 7.88's SigV4 signs it although it is never sent.
        try set(CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
        if request.bypassProxy { try set(CURLOPT_NOPROXY, string: "*") }
        if let bundle = request.caBundle { try set(CURLOPT_CAINFO, string: bundle) }
        if request.isHTTPS {
            try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
            // Waiting to learn whether a connection multiplexes is only worth it where ALPN answers during the
            // handshake: over plain HTTP/1.1 it would hold every other transfer until the first answer arrives.
            try set(CURLOPT_PIPEWAIT, 1)
        }
        try setMethod(request.method, body: request.body)
        if let signing = request.signing {
            try set(CURLOPT_AWS_SIGV4, string: "aws:amz:\(signing.region):\(signing.service)")
            try set(CURLOPT_USERNAME, string: signing.credentials.accessKeyId)
            try set(CURLOPT_PASSWORD, string: signing.credentials.secretAccessKey)
        }
        try setHeaders(request.headerLines)
    }

    private func setMethod(_ method: String, body: Data?) throws {
        switch method {
        case "GET":
            try set(CURLOPT_HTTPGET, 1)
        case "HEAD":
            try set(CURLOPT_NOBODY, 1)
        case "POST":
            try set(CURLOPT_POST, 1)
            try setBody(body ?? Data())
        default:
            try set(CURLOPT_CUSTOMREQUEST, string: method)
            if let body { try setBody(body) }
        }
    }

    /// curl's millisecond options; at least 1, since 0 would mean "no limit".
    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int(seconds * 1000))
    }
}
