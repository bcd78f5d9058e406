import Crypto
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// IAM Identity Center (SSO) profiles, as the AWS CLI leaves them after `aws sso login`: the access token from the CLI's
/// token cache, exchanged for role credentials with the portal's `GetRoleCredentials`. We never log in ourselves (that
/// needs a browser); an expired or missing token says which `aws sso login` to run.
struct SSOCredentialProvider {
    let profileName: String
    let profile: [String: String]
    let sessions: [String: [String: String]]
    let environment: [String: String]
    let http: HTTPSettings

    /// What one profile needs: the token cache key, the portal region, and the role to ask for.
    struct Settings: Equatable {
        var cacheKey: String
        var startURL: String
        var region: String
        var accountId: String
        var roleName: String
    }

    func resolve() throws -> Credentials {
        let settings = try Self.settings(profileName: profileName, profile: profile, sessions: sessions)
        let login = "run `aws sso login --profile \(profileName)`"
        let home = SharedConfig.nonEmpty(environment["HOME"]) ?? FileManager.default.homeDirectoryForCurrentUser.path
        let cachePath = Self.cachePath(key: settings.cacheKey, home: home)
        guard let data = FileManager.default.contents(atPath: cachePath) else {
            throw CredentialError(
                message:
                    "profile \(profileName) uses IAM Identity Center and there is no login token in \(cachePath); \(login)"
            )
        }
        let token = try Self.token(data, path: cachePath, login: login)
        let url =
            Self.portalURL(region: settings.region, environment: environment)
            + "/federation/credentials?role_name=\(Self.escape(settings.roleName))&account_id=\(Self.escape(settings.accountId))"
        let request = HTTPRequest(
            method: "GET", url: url, headers: ["x-amz-sso_bearer_token: \(token)", "Accept: application/json"],
            connectTimeout: 5, timeout: 10, bypassProxy: false, what: "IAM Identity Center")
        let response: HTTPResponse
        do {
            response = try HTTPFetch.perform(request, settings: http)
        } catch let error as HTTPTransportError {
            throw CredentialError(
                message: "IAM Identity Center portal \(Redactor.url(url)) could not be reached: \(error.message)",
                transient: true)
        }
        switch response.status {
        case 200:
            return try Self.roleCredentials(
                response.body, source: "IAM Identity Center (profile \(profileName), role \(settings.roleName))")
        case 401, 403:
            throw CredentialError(
                message:
                    "IAM Identity Center rejected the login token of profile \(profileName) (HTTP \(response.status)); it has expired or was revoked: \(login)"
            )
        case 429, 500...599:
            throw CredentialError(
                message: "IAM Identity Center answered HTTP \(response.status) for profile \(profileName)",
                transient: true)
        default:
            throw CredentialError(
                message:
                    "IAM Identity Center answered HTTP \(response.status) for role \(settings.roleName) in account \(settings.accountId) (profile \(profileName))"
            )
        }
    }

    /// `sso_session` (the session section holds start URL and region; the cache key is the session name) or the legacy
    /// profile keys (`sso_start_url`, `sso_region`; the cache key is the start URL).
    static func settings(profileName: String, profile: [String: String], sessions: [String: [String: String]]) throws
        -> Settings
    {
        func need(_ key: String, in section: [String: String], _ place: String) throws -> String {
            guard let value = SharedConfig.nonEmpty(section[key]) else {
                throw CredentialError(message: "\(place) uses IAM Identity Center but has no \(key)")
            }
            return value
        }
        let place = "profile \(profileName)"
        let accountId = try need("sso_account_id", in: profile, place)
        let roleName = try need("sso_role_name", in: profile, place)
        if let sessionName = SharedConfig.nonEmpty(profile["sso_session"]) {
            guard let session = sessions[sessionName] else {
                throw CredentialError(
                    message:
                        "\(place) names sso_session \(sessionName.debugDescription), but the config file has no [sso-session \(sessionName)] section"
                )
            }
            let startURL = try need("sso_start_url", in: session, "[sso-session \(sessionName)]")
            let region = try need("sso_region", in: session, "[sso-session \(sessionName)]")
            return Settings(
                cacheKey: sessionName, startURL: startURL, region: region, accountId: accountId, roleName: roleName)
        }
        let startURL = try need("sso_start_url", in: profile, place)
        let region = try need("sso_region", in: profile, place)
        return Settings(
            cacheKey: startURL, startURL: startURL, region: region, accountId: accountId, roleName: roleName)
    }

    /// `~/.aws/sso/cache/<sha1 hex of the key>.json`, the name the AWS CLI gives the file.
    static func cachePath(key: String, home: String) -> String {
        let hex = Insecure.SHA1.hash(data: Data(key.utf8)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        return home + "/.aws/sso/cache/" + hex + ".json"
    }

    /// `AWS_ENDPOINT_URL_SSO`, else `https://portal.sso.<region>.amazonaws.com`.
    static func portalURL(region: String, environment: [String: String]) -> String {
        if let override = SharedConfig.nonEmpty(environment["AWS_ENDPOINT_URL_SSO"]) {
            return override.hasSuffix("/") ? String(override.dropLast()) : override
        }
        return "https://portal.sso.\(region).amazonaws.com"
    }

    /// The cached access token, refused when it has expired (the token never appears in a message).
    static func token(_ data: Data, path: String, login: String, now: Date = Date()) throws -> String {
        guard let cache = try? JSONValue.parse(data), let token = cache["accessToken"]?.stringValue, !token.isEmpty
        else {
            throw CredentialError(message: "the IAM Identity Center token cache \(path) holds no accessToken; \(login)")
        }
        if let text = cache["expiresAt"]?.stringValue {
            // The CLI writes `2026-01-01T00:00:00Z`; older versions wrote `…UTC`.
            let normalised = text.hasSuffix("UTC") ? String(text.dropLast(3)) + "Z" : text
            guard let expires = CredentialDocument.parseDate(normalised) else {
                throw CredentialError(
                    message: "the IAM Identity Center token cache \(path) has an unreadable expiresAt; \(login)")
            }
            if expires <= now {
                throw CredentialError(message: "the IAM Identity Center login expired at \(text); \(login)")
            }
        }
        return token
    }

    /// `GetRoleCredentials`' answer: `{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration}}`, the
    /// expiration in epoch milliseconds.
    static func roleCredentials(_ data: Data, source: String) throws -> Credentials {
        guard let answer = try? JSONValue.parse(data), let role = answer["roleCredentials"],
            let key = role["accessKeyId"]?.stringValue, !key.isEmpty,
            let secret = role["secretAccessKey"]?.stringValue, !secret.isEmpty
        else {
            throw CredentialError(message: "IAM Identity Center answered without roleCredentials (\(data.count) bytes)")
        }
        let token = role["sessionToken"]?.stringValue
        let expiration = role["expiration"]?.int64Value.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        return Credentials(
            accessKeyId: key, secretAccessKey: secret, sessionToken: (token?.isEmpty ?? true) ? nil : token,
            expiration: expiration, source: source)
    }

    /// RFC 3986 unreserved characters pass; every other byte is %XX.
    static func escape(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80)
                && (Character(scalar).isLetter || Character(scalar).isNumber || "-_.~".unicodeScalars.contains(scalar))
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
