import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ECS task roles and EKS Pod Identity: credentials from the container agent's endpoint.
public struct ContainerCredentialProvider: CredentialProvider {
    public var name: String { "container" }
    static let ecsBase = "http://169.254.170.2"
    /// Besides loopback, the hosts the SDKs accept for a plain-http full URI (ECS, EKS Pod Identity).
    static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
    /// The SDK standard policy with the container agent's short backoff: three attempts, jittered up to 0.25 s, 0.5 s.
    static let retryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.25, maxDelay: 0.5)
    static let timeout: TimeInterval = 2

    let environment: [String: String]
    let http: HTTPSettings

    init(environment: [String: String], http: HTTPSettings) {
        self.environment = environment
        self.http = http
    }

    public func resolve() throws -> ProviderResult {
        guard let url = try Self.endpoint(environment) else {
            return .notConfigured(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set")
        }
        var headers = ["Accept: application/json"]
        if let token = try authorizationToken() { headers.append("Authorization: \(token)") }
        let request = HTTPRequest(
            method: "GET", url: url, headers: headers, connectTimeout: Self.timeout, timeout: Self.timeout,
            bypassProxy: true, what: "container credentials")
        let outcome = try Self.retryPolicy.run(deadline: http.deadline) { () throws -> AttemptVerdict<Credentials> in
            let response: HTTPResponse
            do {
                response = try HTTPFetch.perform(request, settings: http)
            } catch let error as HTTPTransportError {
                return .retry(reason: error.message)
            }
            if response.status == 200 {
                return .done(
                    try CredentialDocument.parse(
                        response.body, source: "container (\(Redactor.url(url)))",
                        what: "the container credentials endpoint"))
            }
            guard response.status >= 500 || response.status == 429 else {
                throw CredentialError(
                    message: "the container credentials endpoint \(Redactor.url(url)) answered "
                        + "HTTP \(response.status)")
            }
            return .retry(reason: "HTTP \(response.status)")
        }
        switch outcome {
        case .success(let credentials):
            return .found(credentials)
        case .failure(let exhausted):
            throw CredentialError(
                message: "the container credentials endpoint \(Redactor.url(url)) failed after "
                    + "\(exhausted.attempts) attempt(s): \(exhausted.reason)", transient: true)
        }
    }

    /// The URL to ask, or nil when neither variable is set; a full URI must be https, or http to loopback / the agent.
    static func endpoint(_ environment: [String: String]) throws -> String? {
        if let relative = SharedConfig.nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
            return ecsBase + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = SharedConfig.nonEmpty(environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]) else { return nil }
        guard let components = URLComponents(string: full), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw CredentialError(
                message: "AWS_CONTAINER_CREDENTIALS_FULL_URI \(Redactor.url(full).debugDescription) is not a valid URL")
        }
        let bare = host.trimmingBrackets().lowercased()
        switch scheme {
        case "https":
            return full
        case "http" where EndpointResolver.isLoopback(bare) || allowedHTTPHosts.contains(bare):
            return full
        default:
            throw CredentialError(
                message: "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to loopback or the container agent "
                    + "(169.254.170.2, 169.254.170.23); \(host) is not allowed")
        }
    }

    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read each time: EKS rotates it), else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    func authorizationToken() throws -> String? {
        var token: String?
        if let file = SharedConfig.nonEmpty(environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CredentialError(message: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
            token = String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
        } else if let value = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            token = value.trimmingWhitespace()
        }
        guard let token, !token.isEmpty else { return nil }
        guard !token.utf8.contains(0x0D), !token.utf8.contains(0x0A) else {
            throw CredentialError(
                message: "the container authorization token contains a line break and cannot be sent as a header")
        }
        return token
    }
}
