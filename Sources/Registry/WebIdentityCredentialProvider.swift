import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// OIDC in CI (GitHub Actions, GitLab `id_tokens`, EKS IRSA): exchanges the token file for role credentials with STS.
public struct WebIdentityCredentialProvider: CredentialProvider {
    public var name: String { "web identity" }
    let tokenFile: String?
    let roleArn: String?
    let sessionName: String?
    /// Where the settings came from: `environment` or `profile <name>`.
    let origin: String
    let sts: STSClient

    init(tokenFile: String?, roleArn: String?, sessionName: String?, origin: String, sts: STSClient) {
        self.tokenFile = tokenFile
        self.roleArn = roleArn
        self.sessionName = sessionName
        self.origin = origin
        self.sts = sts
    }

    /// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` [+ `AWS_ROLE_SESSION_NAME`].
    init(environment: [String: String], sts: STSClient) {
        self.init(
            tokenFile: SharedConfig.nonEmpty(environment["AWS_WEB_IDENTITY_TOKEN_FILE"]),
            roleArn: SharedConfig.nonEmpty(environment["AWS_ROLE_ARN"]),
            sessionName: SharedConfig.nonEmpty(environment["AWS_ROLE_SESSION_NAME"]), origin: "environment", sts: sts)
    }

    public func resolve() throws -> ProviderResult {
        guard let tokenFile else {
            return .notConfigured("AWS_WEB_IDENTITY_TOKEN_FILE is not set")
        }
        guard let roleArn else {
            throw CredentialError(
                message: "a web identity token file is configured (\(origin)) but no role ARN (AWS_ROLE_ARN / role_arn)"
            )
        }
        // Read on every resolve: EKS and CI runners rotate the token file.
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw CredentialError(message: "cannot read the web identity token file \(tokenFile)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
        guard !token.isEmpty else {
            throw CredentialError(message: "the web identity token file \(tokenFile) is empty")
        }
        let session = sessionName ?? Self.generatedSessionName()
        let credentials = try sts.assumeRoleWithWebIdentity(
            roleArn: roleArn, sessionName: session, token: token,
            source: "web identity (\(roleArn), \(origin))")
        return .found(credentials)
    }

    /// What botocore does when no session name is given: a unique, valid `RoleSessionName`.
    static func generatedSessionName(now: Date = Date()) -> String {
        "verify-layers-\(Int(now.timeIntervalSince1970 * 1000))"
    }
}
