import Foundation
import Testing

@testable import Registry

@Suite struct ErrorClassifierTests {
    private func body(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    @Test(arguments: [
        ("ThrottlingException", "ThrottlingException"),
        ("com.amazonaws.ecrpublic#RepositoryNotFoundException", "RepositoryNotFoundException"),
        ("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"),
        ("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"),
        ("com.amazon.coral.service#ExpiredTokenException", "ExpiredTokenException"),
        (" SpacedError ", "SpacedError"),
    ])
    func typeIsReadAfterHashBeforeColon(raw: String, code: String) {
        let parsed = ErrorClassifier.errorCode(body: body(["__type": raw, "message": "m"]), headers: [:])
        #expect(parsed.code == code)
        #expect(parsed.message == "m")
    }

    @Test func codeFieldThenHeaderAreFallbacks() {
        #expect(
            ErrorClassifier.errorCode(body: body(["code": "ThrottleException", "Message": "slow down"]), headers: [:])
                == ("ThrottleException", "slow down"))
        let fromHeader = ErrorClassifier.errorCode(
            body: Data("<html>503</html>".utf8),
            headers: ["x-amzn-errortype": "ServiceUnavailableException:http://internal/"])
        #expect(fromHeader.code == "ServiceUnavailableException")
        #expect(fromHeader.message == nil)
        // __type wins over code and the header.
        let both = ErrorClassifier.errorCode(
            body: body(["__type": "A", "code": "B"]), headers: ["x-amzn-errortype": "C"])
        #expect(both.code == "A")
    }

    enum Expected: String, CustomStringConvertible {
        case success, retry, retryTimeout, repoNotFound, credentials, expired, fatal
        var description: String { rawValue }
    }

    private static func kind(_ outcome: AttemptOutcome) -> Expected {
        switch outcome {
        case .success: return .success
        case .retryable(_, let isTimeout): return isTimeout ? .retryTimeout : .retry
        case .repositoryNotFound: return .repoNotFound
        case .credentials(_, let expired): return expired ? .expired : .credentials
        case .fatal: return .fatal
        }
    }

    /// The classification table of the issue: throttling and 5xx retried, other 4xx not, auth → 77, not found → finding.
    @Test(
        arguments: [
            (200, nil, Expected.success),
            (400, "ThrottlingException", .retry),
            (400, "ThrottleException", .retry),
            (400, "TooManyRequestsException", .retry),
            (400, "Throttling", .retry),
            (429, nil, .retry),
            (429, "TooManyRequestsException", .retry),
            (500, "ServerException", .retry),
            (500, nil, .retry),
            (502, nil, .retry),
            (503, nil, .retry),
            (504, nil, .retry),
            (400, "RequestTimeoutException", .retry),
            (400, "RepositoryNotFoundException", .repoNotFound),
            (400, "RegistryNotFoundException", .repoNotFound),
            (403, "InvalidSignatureException", .credentials),
            (403, "UnrecognizedClientException", .credentials),
            (403, "MissingAuthenticationTokenException", .credentials),
            (400, "IncompleteSignatureException", .credentials),
            (400, "AccessDeniedException", .credentials),
            (403, "ExpiredTokenException", .expired),
            (400, "RequestExpired", .expired),
            (403, nil, .credentials),
            (401, nil, .credentials),
            (400, "InvalidParameterException", .fatal),
            (400, "SerializationException", .fatal),
            (400, "UnsupportedCommandException", .fatal),
            (404, nil, .fatal),
            (501, nil, .fatal),
            (302, nil, .fatal),
        ] as [(Int, String?, Expected)])
    func classificationTable(status: Int, code: String?, expected: Expected) {
        let data = code.map { body(["__type": $0, "message": "x"]) } ?? Data("<html>error</html>".utf8)
        #expect(Self.kind(ErrorClassifier.classify(status: status, body: data, headers: [:])) == expected)
    }

    @Test func headerCodeClassifiesHTMLBodies() {
        let outcome = ErrorClassifier.classify(
            status: 400, body: Data("<html/>".utf8), headers: ["x-amzn-errortype": "ThrottlingException"])
        #expect(Self.kind(outcome) == .retry)
    }

    @Test func messagesAreBoundedAndNamedInDetail() {
        let long = String(repeating: "m", count: 5000)
        guard
            case .fatal(let detail) = ErrorClassifier.classify(
                status: 400, body: body(["__type": "ValidationException", "message": long]), headers: [:])
        else {
            Issue.record("expected fatal")
            return
        }
        #expect(detail.hasPrefix("HTTP 400 ValidationException: "))
        #expect(detail.count < 400)
    }
}
