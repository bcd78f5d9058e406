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
}
