import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// EC2 instance roles over IMDSv2 (session token first), with the SDKs' short timeouts so a laptop is not held up.
public struct IMDSCredentialProvider: CredentialProvider {
    public var name: String { "EC2 instance metadata" }
    static let ipv4Endpoint = "http://169.254.169.254"
    static let ipv6Endpoint = "http://[fd00:ec2::254]"
    static let tokenTTL = 21600
    static let rolePath = "/latest/meta-data/iam/security-credentials/"

    let environment: [String: String]
    let http: HTTPSettings

    init(environment: [String: String], http: HTTPSettings) {
        self.environment = environment
        self.http = http
    }

    /// `AWS_METADATA_SERVICE_TIMEOUT` (default 1 s, as in botocore).
    var timeout: TimeInterval {
        guard let raw = environment["AWS_METADATA_SERVICE_TIMEOUT"], let value = Double(raw), value > 0 else {
            return 1
        }
        return min(value, 30)
    }

    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (default 1 per step, as in botocore).
    var attempts: Int {
        guard let raw = environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"], let value = Int(raw), value >= 1 else {
            return 1
        }
        return min(value, 5)
    }

    public func resolve() throws -> ProviderResult {
        if (environment["AWS_EC2_METADATA_DISABLED"] ?? "").lowercased() == "true" {
            return .notConfigured("disabled by AWS_EC2_METADATA_DISABLED")
        }
        let base = try Self.endpoint(environment)
        let token: String
        switch fetch(
            "PUT", base + "/latest/api/token", headers: ["x-aws-ec2-metadata-token-ttl-seconds: \(Self.tokenTTL)"],
            what: "IMDS token")
        {
        case .failure(let reason):
            return .notConfigured("no IMDSv2 token from \(base) (\(reason)); not on EC2, or the hop limit is too low")
        case .success(let response) where response.status != 200:
            return .notConfigured("\(base) refused the IMDSv2 token request (HTTP \(response.status))")
        case .success(let response):
            token = response.text.trimmingWhitespaceAndNewlines()
        }
        let tokenHeader = "x-aws-ec2-metadata-token: \(token)"
        let role: String
        switch fetch("GET", base + Self.rolePath, headers: [tokenHeader], what: "IMDS role name") {
        case .failure(let reason):
            throw CredentialError(message: "\(base) gave a token but no role name: \(reason)", transient: true)
        case .success(let response) where response.status == 404:
            return .notConfigured("this instance has no IAM role (instance profile) attached")
        case .success(let response) where response.status != 200:
            throw CredentialError(
                message: "\(base) answered HTTP \(response.status) for the role name", transient: response.status >= 500
            )
        case .success(let response):
            guard let first = response.text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingWhitespace() }),
                !first.isEmpty, !first.contains("/")
            else {
                return .notConfigured("this instance has no IAM role (instance profile) attached")
            }
            role = first
        }
        let encodedRole = PercentEncoding.encode(role, keeping: PercentEncoding.pathAllowed)
        switch fetch("GET", base + Self.rolePath + encodedRole, headers: [tokenHeader], what: "IMDS role credentials") {
        case .failure(let reason):
            throw CredentialError(
                message: "\(base) did not answer with the credentials of role \(role): \(reason)", transient: true)
        case .success(let response) where response.status != 200:
            throw CredentialError(
                message: "\(base) answered HTTP \(response.status) for the credentials of role \(role)",
                transient: response.status >= 500)
        case .success(let response):
            if let object = try? JSONValue.parse(response.body), let code = object["Code"]?.stringValue,
                code != "Success"
            {
                throw CredentialError(message: "IMDS reports \(code) for the credentials of role \(role)")
            }
            return .found(
                try CredentialDocument.parse(
                    response.body, source: "EC2 instance metadata (role \(role))",
                    what: "IMDS credentials of role \(role)"))
        }
    }

    /// One step, retried (without a pause, as in botocore) only when `AWS_METADATA_SERVICE_NUM_ATTEMPTS` asks for it.
    private func fetch(
        _ method: String, _ url: String, headers: [String],
        what: String
    ) -> Result<HTTPResponse, FetchFailure> {
        let request = HTTPRequest(
            method: method, url: url, headers: headers, connectTimeout: timeout, timeout: timeout,
            bypassProxy: true, what: what)
        let policy = RetryPolicy(maxAttempts: attempts, baseDelay: 0, maxDelay: 0)
        let outcome = policy.run(deadline: http.deadline) { () -> AttemptVerdict<HTTPResponse> in
            do {
                let response = try HTTPFetch.perform(request, settings: http)
                return response.status >= 500 ? .retry(reason: "HTTP \(response.status)") : .done(response)
            } catch let error as HTTPTransportError {
                return .retry(reason: error.isTimeout ? "timed out after \(formatSeconds(timeout))" : error.message)
            } catch {
                return .retry(reason: "\(error)")
            }
        }
        switch outcome {
        case .success(let response): return .success(response)
        case .failure(let exhausted): return .failure(FetchFailure(reason: exhausted.reason))
        }
    }

    private func formatSeconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// Why a metadata step got no usable answer.
    struct FetchFailure: Error {
        var reason: String
    }

    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the IPv4 (or, with `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, IPv6) address.
    /// Plain http only to link-local or loopback addresses: the answer carries credentials.
    static func endpoint(_ environment: [String: String]) throws -> String {
        guard let override = SharedConfig.nonEmpty(environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]) else {
            return (environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] ?? "").lowercased() == "ipv6"
                ? ipv6Endpoint : ipv4Endpoint
        }
        let trimmed = override.hasSuffix("/") ? String(override.dropLast()) : override
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw CredentialError(
                message:
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT \(Redactor.url(override).debugDescription) is not a valid URL")
        }
        let bare = host.trimmingBrackets().lowercased()
        let local = EndpointResolver.isLoopback(bare) || bare.hasPrefix("169.254.") || bare == "fd00:ec2::254"
        guard scheme == "https" || (scheme == "http" && local) else {
            throw CredentialError(
                message:
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT must be https, or http to a link-local or loopback address; "
                    + "\(host) is not allowed")
        }
        return trimmed
    }
}
