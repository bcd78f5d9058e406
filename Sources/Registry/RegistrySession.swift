import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one client learns about its registry during a run and keeps for the next call: the challenge and one pull
/// token per repository, so blob and manifest checks share tokens.
final class RegistrySession {
    enum Probe {
        case unknown
        /// `GET /v2/` answered 200: no tokens needed.
        case open
        case bearer(BearerChallenge)
        case failed(BatchFailure)
    }
    var probe = Probe.unknown
    var tokens: [String: String] = [:]
    var tokenFailures: [String: BatchFailure] = [:]
    /// Repositories whose token was already refreshed once after a 401.
    var refreshed = Set<String>()
    var tokenRequests = 0
    var loginTried = false
    /// The Basic credential for the token server, once logged in.
    var basic: String?
    /// What the run learned of each repository (by path) whose blob or manifest HEAD answered 404: a HEAD has no error
    /// body, so only `GET …/tags/list` tells `NAME_UNKNOWN` (no such repository) from `BLOB_UNKNOWN`.
    var repositories: [String: RepositoryExistence] = [:]
}

/// Whether a repository exists, as far as the registry said.
enum RepositoryExistence: Equatable {
    /// `GET …/tags/list` is out.
    case asking
    /// Something in it answered 200, or its tag list did.
    case exists
    /// Its tag list answered 404 `NAME_UNKNOWN`; the text says what the registry said.
    case missing(String)
    /// The registry did not say (another status, another error code, a failed request): its 404s stand as they are.
    case unknown
}
