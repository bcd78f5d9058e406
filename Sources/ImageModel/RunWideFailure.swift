/// A failure that hit every call of a run (no credentials, endpoint unreachable, timeout, access denied): text reports say
/// it once with its fix instead of once per image; machine formats still carry one finding per affected blob.
public struct RunWideFailure: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// No credentials were found at all.
        case noCredentials
        /// Credentials were found but rejected, or access was denied.
        case accessDenied
        /// The deadline (`--timeout`) passed.
        case timeout
        /// The endpoint could not be reached or did not answer usefully.
        case connection
        /// The settings make asking impossible (the registry way without a registry alias): exit 78.
        case configuration
    }

    public var kind: Kind
    /// The cause as the service or the credential chain said it (secrets already redacted).
    public var cause: String
    /// The credential sources tried, by name (`environment`, `shared files`, ...), when no credentials were found.
    public var tried: [String]

    public init(kind: Kind, cause: String, tried: [String] = []) {
        self.kind = kind
        self.cause = cause
        self.tried = tried
    }

    /// The one-line fix printed under the error.
    public var fix: String {
        switch kind {
        case .noCredentials:
            return
                "run `aws configure` (access keys) or `aws sso login --profile P` (IAM Identity Center), or set AWS_PROFILE; or ask the public registry without credentials: --via registry; `verify-layers doctor` shows what is found"
        case .accessDenied:
            return
                "`verify-layers doctor` shows which credentials are used and makes one call; they need ecr-public:BatchCheckLayerAvailability"
        case .timeout:
            return "raise --timeout, or check the network; `verify-layers doctor` makes one call and times it"
        case .configuration:
            return
                "set `registry: <alias>` in .verify-layers.yml (or --registry-id ALIAS, or an `images` entry's `registry:`), or ask the API with AWS credentials: --via api"
        case .connection:
            return
                "check the network, proxy (HTTPS_PROXY), --endpoint-url and --registry-url; `verify-layers doctor` shows the endpoints and makes one call"
        }
    }
}
