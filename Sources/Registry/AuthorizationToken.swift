import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ECRPublicClient {
    static let getAuthorizationTokenTarget = "SpencerFrontendService.GetAuthorizationToken"

    /// `ecr-public:GetAuthorizationToken`: the registry login (base64 `AWS:<password>`) for authenticated pulls.
    public func authorizationToken() throws -> String {
        let credentials = try self.credentials.resolve()
        var request = self.request(
            target: Self.getAuthorizationTokenTarget, body: Data("{}".utf8),
            credentials: credentials)
        request.what = "GetAuthorizationToken"
        let settings = HTTPSettings(
            caBundle: configuration.caBundle, userAgent: configuration.userAgent, deadline: configuration.deadline,
            log: configuration.log)
        let response = try HTTPFetch.perform(request, settings: settings)
        guard response.status == 200, let object = try? JSONValue.parse(response.body),
            let token = object["authorizationData"]?["authorizationToken"]?.stringValue,
            !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
        else {
            let (code, message) = ErrorClassifier.errorCode(body: response.body, headers: response.headers)
            throw CredentialError(
                message:
                    "GetAuthorizationToken answered HTTP \(response.status) \([code, message].compactMap { $0 }.joined(separator: ": "))"
            )
        }
        return token
    }
}
