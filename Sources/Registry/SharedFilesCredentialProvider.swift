#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Laptop profiles: `~/.aws/credentials` and `~/.aws/config` — static keys, `credential_process`, and roles assumed
/// from a source profile, a credential source or a web identity token file — in botocore's order.
public struct SharedFilesCredentialProvider: CredentialProvider {
    public var name: String { "shared files" }
    static let maxRoleChain = 8

    let config: SharedConfig
    let environment: [String: String]
    let sts: STSClient
    let http: HTTPSettings

    init(config: SharedConfig, environment: [String: String], sts: STSClient, http: HTTPSettings) {
        self.config = config
        self.environment = environment
        self.sts = sts
        self.http = http
    }

    public func resolve() throws -> ProviderResult {
        let name = config.profileName
        guard config.profile(name) != nil else {
            if config.profileIsExplicit {
                throw CredentialError(
                    message:
                        "profile \(name.debugDescription) (from \(config.profileSource)) is not in \(config.filesDescription)"
                )
            }
            return .notConfigured("no [default] profile in \(config.filesDescription)")
        }
        return try resolveProfile(name, chain: [])
    }

    private func resolveProfile(_ name: String, chain: [String]) throws -> ProviderResult {
        guard let profile = config.profile(name) else {
            throw CredentialError(
                message:
                    "source_profile \(name.debugDescription) (used by profile \(chain.last ?? "?")) is not in \(config.filesDescription)"
            )
        }
        guard !chain.contains(name) || chain.last == name else {
            throw CredentialError(
                message: "the profiles form a source_profile loop: \((chain + [name]).joined(separator: " → "))")
        }
        guard chain.count < Self.maxRoleChain else {
            throw CredentialError(message: "source_profile chain is longer than \(Self.maxRoleChain) profiles")
        }
        if let roleArn = SharedConfig.nonEmpty(profile["role_arn"]), chain.last != name {
            return .found(try assumeRole(roleArn, profile: profile, name: name, chain: chain))
        }
        if profile["sso_start_url"] != nil || profile["sso_session"] != nil || profile["sso_account_id"] != nil {
            if let keys = try staticKeys(
                config.credentialsProfiles[name], source: "shared credentials file (profile \(name))",
                file: config.credentialsPath)
            {
                return .found(keys)
            }
            return .found(
                try SSOCredentialProvider(
                    profileName: name, profile: profile, sessions: config.ssoSessions,
                    environment: environment, http: http
                ).resolve())
        }
        if let keys = try staticKeys(
            config.credentialsProfiles[name], source: "shared credentials file (profile \(name))",
            file: config.credentialsPath)
        {
            return .found(keys)
        }
        if let commandLine = SharedConfig.nonEmpty(profile["credential_process"]) {
            return try ProcessCredentialProvider(
                commandLine: commandLine, profileName: name, environment: environment,
                deadline: http.deadline
            ).resolve()
        }
        if let keys = try staticKeys(
            config.configProfiles[name], source: "config file (profile \(name))", file: config.configPath)
        {
            return .found(keys)
        }
        return .notConfigured(
            "profile \(name) in \(config.filesDescription) has no aws_access_key_id, credential_process or role_arn")
    }

    /// `role_arn` with `web_identity_token_file`, `source_profile` or `credential_source`, then STS `AssumeRole`.
    private func assumeRole(_ roleArn: String, profile: [String: String], name: String, chain: [String]) throws
        -> Credentials
    {
        let sessionName =
            SharedConfig.nonEmpty(profile["role_session_name"]) ?? WebIdentityCredentialProvider.generatedSessionName()
        if let tokenFile = SharedConfig.nonEmpty(profile["web_identity_token_file"]) {
            let home =
                SharedConfig.nonEmpty(environment["HOME"]) ?? FileManager.default.homeDirectoryForCurrentUser.path
            let provider = WebIdentityCredentialProvider(
                tokenFile: SharedConfig.expand(tokenFile, home: home), roleArn: roleArn,
                sessionName: sessionName, origin: "profile \(name)", sts: sts)
            guard case .found(let credentials) = try provider.resolve() else {
                throw CredentialError(message: "profile \(name): web_identity_token_file gave no credentials")
            }
            return credentials
        }
        if profile["mfa_serial"] != nil {
            throw CredentialError(
                message: "profile \(name) needs an MFA code (mfa_serial), which a non-interactive check cannot ask for")
        }
        let base: ProviderResult
        if let sourceProfile = SharedConfig.nonEmpty(profile["source_profile"]) {
            base = try resolveProfile(sourceProfile, chain: chain + [name])
        } else if let source = SharedConfig.nonEmpty(profile["credential_source"]) {
            switch source {
            case "Environment": base = try EnvironmentCredentialProvider(environment: environment).resolve()
            case "Ec2InstanceMetadata":
                base = try IMDSCredentialProvider(environment: environment, http: http).resolve()
            case "EcsContainer": base = try ContainerCredentialProvider(environment: environment, http: http).resolve()
            default:
                throw CredentialError(
                    message: "profile \(name): credential_source \(source.debugDescription) is not one of Environment, "
                        + "Ec2InstanceMetadata, EcsContainer")
            }
        } else {
            throw CredentialError(
                message:
                    "profile \(name) has role_arn but neither source_profile, credential_source nor web_identity_token_file"
            )
        }
        guard case .found(let sourceCredentials) = base else {
            if case .notConfigured(let why) = base {
                throw CredentialError(
                    message: "profile \(name): the source of role \(roleArn) has no credentials (\(why))")
            }
            throw CredentialError(message: "profile \(name): the source of role \(roleArn) has no credentials")
        }
        let duration = profile["duration_seconds"].flatMap { Int($0) }
        return try sts.assumeRole(
            roleArn: roleArn, sessionName: sessionName, externalId: SharedConfig.nonEmpty(profile["external_id"]),
            durationSeconds: duration, with: sourceCredentials, source: "assume role (\(roleArn), profile \(name))")
    }

    /// `aws_access_key_id` + `aws_secret_access_key` [+ `aws_session_token`]; one without the other is an error.
    private func staticKeys(_ section: [String: String]?, source: String, file: String) throws -> Credentials? {
        guard let section else { return nil }
        let key = SharedConfig.nonEmpty(section["aws_access_key_id"])
        let secret = SharedConfig.nonEmpty(section["aws_secret_access_key"])
        if key == nil && secret == nil { return nil }
        guard let key, let secret else {
            throw CredentialError(
                message:
                    "\(source) in \(file) has \(key == nil ? "aws_secret_access_key but no aws_access_key_id" : "aws_access_key_id but no aws_secret_access_key")"
            )
        }
        let token =
            SharedConfig.nonEmpty(section["aws_session_token"]) ?? SharedConfig.nonEmpty(section["aws_security_token"])
        return Credentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, source: source)
    }
}
