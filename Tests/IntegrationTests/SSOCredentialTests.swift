import Foundation
import TestSupport
import Testing

/// IAM Identity Center profiles end to end: the AWS CLI's token cache (named by the SHA-1 of the session name or start
/// URL), `GetRoleCredentials` on a fake portal, then a call the emulator verifies as signed with the role's credentials.
@Suite struct SSOCredentialTests {
    static let startURL = "https://vl-tests.awsapps.com/start"

    /// `~/.aws/sso/cache/<sha1(key)>.json` as `aws sso login` writes it.
    private func writeToken(
        _ scenario: AWSScenario, key: String, expiresIn: TimeInterval = 3600, token: String = MetadataFakes.ssoToken
    ) throws {
        let name = try Shell.run(["sh", "-c", "printf %s \"$0\" | sha1sum | cut -d' ' -f1", key]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let formatter = ISO8601DateFormatter()
        let json = """
            {"startUrl": "\(Self.startURL)", "region": "us-east-1", "accessToken": "\(token)", \
            "expiresAt": "\(formatter.string(from: Date().addingTimeInterval(expiresIn)))"}
            """
        try scenario.writeHome(".aws/sso/cache/\(name).json", json)
    }

    private func portal(_ scenario: AWSScenario) throws -> [String: String] {
        ["AWS_ENDPOINT_URL_SSO": try scenario.fakes.url]
    }

    @Test func ssoSessionProfileFromTheTokenCacheToASignedCall() throws {
        let scenario = try AWSScenario()
        try scenario.writeHome(
            ".aws/config",
            """
            [profile dev]
            sso_session = corp
            sso_account_id = \(MetadataFakes.ssoAccount)
            sso_role_name = \(MetadataFakes.ssoRole)
            region = us-east-1

            [sso-session corp]
            sso_start_url = \(Self.startURL)
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access

            """)
        try writeToken(scenario, key: "corp")
        let result = try scenario.run(
            ["check", "--format", "json"], try portal(scenario).merging(["AWS_PROFILE": "dev"]) { $1 })
        #expect(result.status == 0, "\(result.combined)")
        let calls = try scenario.calls()
        #expect(!calls.isEmpty)
        for call in calls {
            #expect(call.signatureValid, "\(call.signatureError ?? "")")
            #expect(call.accessKeyId == MetadataFakes.sso[0].accessKeyId)
            #expect(call.sessionTokenSigned == true)
        }
        let asked = try scenario.fakes.requests("sso")
        #expect(asked.count == 1)
        #expect(asked.first?.headers["x-amz-sso_bearer_token"] == MetadataFakes.ssoToken)
        #expect(asked.first?.path.contains("role_name=\(MetadataFakes.ssoRole)") == true)
        #expect(asked.first?.path.contains("account_id=\(MetadataFakes.ssoAccount)") == true)
        for secret in MetadataFakes.secrets { #expect(!result.combined.contains(secret)) }
    }

    @Test func legacyStartURLProfileUsesTheStartURLAsCacheKey() throws {
        let scenario = try AWSScenario()
        try scenario.writeHome(
            ".aws/config",
            """
            [profile legacy]
            sso_start_url = \(Self.startURL)
            sso_region = us-east-1
            sso_account_id = \(MetadataFakes.ssoAccount)
            sso_role_name = \(MetadataFakes.ssoRole)

            """)
        try writeToken(scenario, key: Self.startURL)
        let result = try scenario.run(["check", "--profile", "legacy"], try portal(scenario))
        #expect(result.status == 0, "\(result.combined)")
        #expect(try scenario.calls().map(\.accessKeyId).allSatisfy { $0 == MetadataFakes.sso[0].accessKeyId })
    }

    @Test func expiredOrMissingLoginSaysWhichLoginToRun() throws {
        let scenario = try AWSScenario()
        try scenario.writeHome(
            ".aws/config",
            """
            [profile dev]
            sso_session = corp
            sso_account_id = \(MetadataFakes.ssoAccount)
            sso_role_name = \(MetadataFakes.ssoRole)

            [sso-session corp]
            sso_start_url = \(Self.startURL)
            sso_region = us-east-1

            """)
        let missing = try scenario.run(["check", "--profile", "dev"], try portal(scenario))
        #expect(missing.status == 77)
        #expect(missing.combined.contains("run `aws sso login --profile dev`"), "\(missing.combined)")

        try writeToken(scenario, key: "corp", expiresIn: -60)
        let expired = try scenario.run(["check", "--profile", "dev"], try portal(scenario))
        #expect(expired.status == 77)
        #expect(expired.combined.contains("login expired"), "\(expired.combined)")
        #expect(expired.combined.contains("run `aws sso login --profile dev`"))

        try writeToken(scenario, key: "corp", token: "revoked-token")
        let rejected = try scenario.run(["check", "--profile", "dev"], try portal(scenario))
        #expect(rejected.status == 77)
        #expect(rejected.combined.contains("run `aws sso login --profile dev`"), "\(rejected.combined)")
        #expect(try scenario.calls().isEmpty)
    }
}
