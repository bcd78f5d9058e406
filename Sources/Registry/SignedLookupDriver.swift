import Checking

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A driver of standalone signed API calls (`DescribeImages`, `DescribeRegistries`) on the transfer queue: no layer
/// batches, credentials resolved once at the start, every call paced by the calls-per-second quota.
protocol SignedLookupDriver: TransferDriver {
    var client: ECRPublicClient { get }
    var credentials: Credentials? { get set }
}

extension SignedLookupDriver {
    func start() -> BatchFailure? {
        do {
            credentials = try client.credentials.resolve()
            return nil
        } catch {
            return ECRPublicClient.credentialFailure(error)
        }
    }

    func accept(_ batch: LayerBatch) -> [Int] { [] }
    func reject(_ batch: LayerBatch, _ failure: BatchFailure) {}
    func tick(now: Date, hasReadyWork: Bool) {}
    func isRateLimited(_ id: Int) -> Bool { true }
    func answers() -> [BatchAnswer] { [] }

    /// The signed `POST /` of `target` with `body`.
    func signedRequest(target: String, body: Data) throws -> HTTPRequest {
        guard let credentials else { throw TransferSetupError(message: "no credentials") }
        return client.request(target: target, body: body, credentials: credentials)
    }
}
