import Foundation
import Testing

@testable import Registry

@Suite struct RedactorTests {
    @Test(arguments: [
        (
            "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecr-public/aws4_request, Signature=abcdef",
            "Authorization: <redacted>"
        ),
        ("authorization:Bearer xyz", "authorization: <redacted>"),
        ("X-Amz-Security-Token: FwoGZXIvYXdzEXAMPLE", "X-Amz-Security-Token: <redacted>"),
        ("x-aws-ec2-metadata-token: AQAEAtoken==", "x-aws-ec2-metadata-token: <redacted>"),
        ("Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: <redacted>"),
        (
            "X-Amz-Target: SpencerFrontendService.BatchCheckLayerAvailability",
            "X-Amz-Target: SpencerFrontendService.BatchCheckLayerAvailability"
        ),
        ("Content-Type: application/x-amz-json-1.1", "Content-Type: application/x-amz-json-1.1"),
    ])
    func headersWithSecretsAreRedacted(line: String, expected: String) {
        #expect(Redactor.header(line) == expected)
    }

    @Test func accessKeysAreMasked() {
        #expect(Redactor.maskAccessKey("AKIAIOSFODNN7EXAMPLE") == "AKIA****MPLE")
        #expect(Redactor.maskAccessKey("SHORT") == "****")
    }

    @Test func urlPasswordsAreHidden() {
        #expect(
            Redactor.url("proxy http://alice:s3cret@proxy.corp:3128 failed")
                == "proxy http://alice:<redacted>@proxy.corp:3128 failed")
        #expect(
            Redactor.url("https://token@host/path and http://u:p@h2/")
                == "https://<redacted>@host/path and http://u:<redacted>@h2/")
        #expect(Redactor.url("https://host/path?x=a@b") == "https://host/path?x=a@b")
        #expect(Redactor.url("no urls here") == "no urls here")
    }

    @Test func scrubRemovesRegisteredSecrets() {
        let text = "helper said: secretvalue123 and tokenABC"
        #expect(
            Redactor.scrub(text, secrets: ["secretvalue123", "tokenABC", "ab"])
                == "helper said: <redacted> and <redacted>")
    }

    @Test func credentialsDescriptionNeverShowsSecrets() {
        let credentials = Credentials(
            accessKeyId: "ASIAVLTESTSESSION001", secretAccessKey: "SECRET-VALUE-123", sessionToken: "TOKEN-VALUE-456",
            source: "environment")
        let text = "\(credentials) \(String(describing: credentials)) \(String(reflecting: credentials.description))"
        #expect(!text.contains("SECRET-VALUE-123"))
        #expect(!text.contains("TOKEN-VALUE-456"))
        #expect(text.contains("ASIA****N001"))
        #expect(credentials.secrets == ["SECRET-VALUE-123", "TOKEN-VALUE-456"])
    }

    @Test func httpLogRedactsHeadersAndURLs() {
        let lines = LockedLines()
        let log = HTTPLog { lines.append($0) }
        log.headers(["X-Amz-Security-Token: TOKEN-XYZ", "Authorization: AWS4 sig", "X-Amz-Target: T"], context: "call")
        log.exchange(
            method: "GET", url: "http://u:pass123@127.0.0.1:1/x", what: "probe", outcome: "HTTP 200", elapsedMs: 1)
        log.note("via http://proxyuser:proxypass@proxy:3128")
        let all = lines.all.joined(separator: "\n")
        #expect(
            !all.contains("TOKEN-XYZ") && !all.contains("AWS4 sig") && !all.contains("pass123")
                && !all.contains("proxypass"))
        #expect(all.contains("X-Amz-Target: T"))
        #expect(HTTPLog(nil).isEnabled == false)
    }
}

/// Collects log lines from a `@Sendable` sink.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
