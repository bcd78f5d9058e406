import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// AWS STS over its query protocol (form POST, XML answer): the web-identity and assume-role exchanges of the chain.
struct STSClient {
    static let version = "2011-06-15"
    static let legacyGlobalRegions: Set<String> = [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1",
        "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
        "us-west-2",
    ]
    /// The SDK standard policy: three attempts, full-jitter backoff from 1 s.
    static let retryPolicy = RetryPolicy(maxAttempts: 3)
    static let retryableCodes: Set<String> = [
        "Throttling", "ThrottlingException", "IDPCommunicationError", "RequestLimitExceeded",
    ]

    /// `https://sts.<region>.amazonaws.com/`, or an override.
    let url: String
    /// The signing region (assume-role calls are signed).
    let region: String
    /// Where `url` came from, for doctor and messages.
    let source: String
    let http: HTTPSettings

    /// `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else regional STS (global STS when no region is known, or with
    /// `AWS_STS_REGIONAL_ENDPOINTS=legacy`); plain http only to loopback, refused before any connection.
    init(environment: [String: String], region: String?, http: HTTPSettings) throws {
        self.http = http
        let signingRegion = region ?? "us-east-1"
        self.region = signingRegion
        for variable in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let override = SharedConfig.nonEmpty(environment[variable]) {
                try EndpointResolver.validate(override, source: variable)
                url = override
                source = variable
                return
            }
        }
        guard let region else {
            url = "https://sts.amazonaws.com/"
            source = "default (global, no region set)"
            return
        }
        let legacy = (environment["AWS_STS_REGIONAL_ENDPOINTS"] ?? "").lowercased() == "legacy"
        if legacy && Self.legacyGlobalRegions.contains(region) {
            url = "https://sts.amazonaws.com/"
            source = "default (global, AWS_STS_REGIONAL_ENDPOINTS=legacy)"
        } else {
            let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
            url = "https://sts.\(region).\(suffix)/"
            source = "default (regional)"
        }
    }

    /// Unsigned `AssumeRoleWithWebIdentity`: the token is the proof.
    func assumeRoleWithWebIdentity(roleArn: String, sessionName: String, token: String, source: String) throws
        -> Credentials
    {
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", Self.version), ("RoleArn", roleArn),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ]
        return try call(
            form: form, operation: "AssumeRoleWithWebIdentity", signing: nil, secrets: [token], source: source)
    }

    /// `AssumeRole` signed with the source profile's credentials.
    func assumeRole(
        roleArn: String, sessionName: String, externalId: String?, durationSeconds: Int?, with credentials: Credentials,
        source: String
    ) throws -> Credentials {
        var form = [
            ("Action", "AssumeRole"), ("Version", Self.version), ("RoleArn", roleArn), ("RoleSessionName", sessionName),
        ]
        if let externalId { form.append(("ExternalId", externalId)) }
        if let durationSeconds { form.append(("DurationSeconds", String(durationSeconds))) }
        return try call(
            form: form, operation: "AssumeRole", signing: (credentials, region, "sts"), secrets: credentials.secrets,
            source: source)
    }

    private func call(
        form: [(String, String)], operation: String,
        signing: (credentials: Credentials, region: String, service: String)?,
        secrets: [String], source: String
    ) throws -> Credentials {
        let body = Data(form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
        let request = HTTPRequest(
            method: "POST", url: url, headers: ["Content-Type: application/x-www-form-urlencoded; charset=utf-8"],
            body: body, connectTimeout: 5, timeout: 15, signing: signing, what: "STS \(operation)")
        let outcome = try Self.retryPolicy.run(deadline: http.deadline) { () throws -> AttemptVerdict<Credentials> in
            let response: HTTPResponse
            do {
                response = try HTTPFetch.perform(request, settings: http)
            } catch let error as HTTPTransportError {
                return .retry(reason: Redactor.scrub(error.message, secrets: secrets))
            }
            if response.status == 200 {
                return .done(try Self.parseCredentials(response.text, operation: operation, source: source))
            }
            let (code, message) = Self.parseError(response.text)
            let detail = Redactor.scrub(
                "HTTP \(response.status)" + (code.map { " \($0)" } ?? "")
                    + (message.map { ": \(String($0.prefix(300)))" } ?? ""), secrets: secrets)
            let retryable = response.status >= 500 || response.status == 429 || Self.retryableCodes.contains(code ?? "")
            guard retryable else { throw CredentialError(message: "STS \(operation) at \(url) was refused: \(detail)") }
            return .retry(reason: detail)
        }
        switch outcome {
        case .success(let credentials):
            return credentials
        case .failure(let exhausted):
            throw CredentialError(
                message: "STS \(operation) at \(url) failed after \(exhausted.attempts) attempt(s): "
                    + exhausted.reason, transient: true)
        }
    }

    /// `application/x-www-form-urlencoded` with the unreserved set of RFC 3986 (what botocore sends).
    static func formEncode(_ value: String) -> String {
        PercentEncoding.encode(value, keeping: PercentEncoding.unreserved)
    }

    /// `<…Result><Credentials><AccessKeyId/>…</Credentials>` of either operation.
    static func parseCredentials(_ xml: String, operation: String, source: String) throws -> Credentials {
        guard let block = XMLText.element("Credentials", in: xml) else {
            throw CredentialError(
                message: "STS \(operation) answered without Credentials (\(xml.utf8.count) bytes)", transient: true)
        }
        guard let key = XMLText.element("AccessKeyId", in: block), !key.isEmpty,
            let secret = XMLText.element("SecretAccessKey", in: block), !secret.isEmpty,
            let token = XMLText.element("SessionToken", in: block), !token.isEmpty
        else {
            throw CredentialError(message: "STS \(operation) answered with incomplete Credentials", transient: true)
        }
        let expiration = XMLText.element("Expiration", in: block).flatMap(CredentialDocument.parseDate)
        return Credentials(
            accessKeyId: key, secretAccessKey: secret, sessionToken: token, expiration: expiration, source: source)
    }

    /// `<ErrorResponse><Error><Code/><Message/></Error>`.
    static func parseError(_ xml: String) -> (code: String?, message: String?) {
        let block = XMLText.element("Error", in: xml) ?? xml
        return (XMLText.element("Code", in: block), XMLText.element("Message", in: block))
    }
}

/// Just enough XML for STS's small fixed answers: the text of the first `<name>…</name>`, entities decoded.
enum XMLText {
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>") ?? openTagWithAttributes(name, in: xml),
            let close = xml[open.upperBound...].firstRange(of: "</\(name)>")
        else { return nil }
        return decode(xml[open.upperBound..<close.lowerBound].trimmingWhitespaceAndNewlines())
    }

    private static func openTagWithAttributes(_ name: String, in xml: String) -> Range<String.Index>? {
        guard let start = xml.firstRange(of: "<\(name) "), let end = xml[start.upperBound...].firstRange(of: ">") else {
            return nil
        }
        return start.lowerBound..<end.upperBound
    }

    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&lt;", with: "<").replacing("&gt;", with: ">")
            .replacing("&quot;", with: "\"").replacing("&apos;", with: "'")
            .replacing("&#xD;", with: "\r").replacing("&#xA;", with: "\n")
            .replacing("&amp;", with: "&")
    }
}
