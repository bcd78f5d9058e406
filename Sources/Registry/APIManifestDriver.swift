import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ECRPublicClient: ManifestRegistry {
    static let describeImagesTarget = "SpencerFrontendService.DescribeImages"

    /// ECR Public's API returns no manifest (it has no `BatchGetImage`), so no config digest.
    public var readsConfigs: Bool { false }

    /// `DescribeImages` per distinct reference (by `imageDigest` or `imageTag`), through the same transfer queue as the
    /// layer batches: `ImageNotFoundException` is unpublished; the tag's answer names the digest it points at.
    public func checkManifests(_ queries: [ManifestQuery]) -> [ManifestQuery: ManifestAnswer] {
        guard !queries.isEmpty else { return [:] }
        let queue = TransferQueue(configuration: configuration, perSecond: configuration.callsPerSecond)
        let driver = APIManifestDriver(client: self, queries: queries)
        _ = queue.run(driver, stream: BatchStream(finished: []), initial: Array(queries.indices))
        requestsSent += queue.transfersStarted
        return driver.result()
    }
}

/// The API way's manifest lookups on the shared transfer queue: one signed `DescribeImages` per query.
final class APIManifestDriver: SignedLookupDriver {
    let client: ECRPublicClient
    var credentials: Credentials?
    private let queries: [ManifestQuery]
    private var found: [ManifestAnswer?]

    init(client: ECRPublicClient, queries: [ManifestQuery]) {
        self.client = client
        self.queries = queries
        self.found = Array(repeating: nil, count: queries.count)
    }

    /// `{"registryId":…,"repositoryName":…,"imageIds":[{"imageDigest"|"imageTag":…}]}`. `DescribeImages` takes only a
    /// 12-digit account id (botocore's `RegistryId` shape), not an alias: an alias is the caller's own registry (every
    /// account has exactly one public registry, and only its owner can use the API way), so it is left out.
    static func body(_ query: ManifestQuery) -> Data {
        var out: [UInt8] = Array("{".utf8)
        if let registry = query.repository.registryId, registry.utf8.count == 12, ImageReference.isAccountID(registry) {
            out += Array(#""registryId":"#.utf8)
            RequestBody.appendQuoted(registry, to: &out)
            out.append(UInt8(ascii: ","))
        }
        out += Array(#""repositoryName":"#.utf8)
        RequestBody.appendQuoted(query.repository.repositoryName, to: &out)
        out += Array((query.isDigest ? #","imageIds":[{"imageDigest":"# : #","imageIds":[{"imageTag":"#).utf8)
        RequestBody.appendQuoted(query.reference, to: &out)
        out += Array("}]}".utf8)
        return Data(out)
    }

    func makeTransfer(_ id: Int) throws -> HTTPRequest {
        try signedRequest(target: ECRPublicClient.describeImagesTarget, body: Self.body(queries[id]))
    }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        let query = queries[id]
        let outcome = AttemptOutcome.of(result)
        let body = (try? result.get())?.body ?? Data()
        client.log.exchange(
            method: "POST", url: client.configuration.endpoint.url,
            what: "DescribeImages repository=\(query.repository) reference=\(query.reference) attempt=\(attempt)",
            outcome: client.describe(outcome, headers: result.headers), elapsedMs: elapsedMs)
        switch outcome {
        case .success(let body):
            found[id] = Self.parse(body, query: query)
        case .retryable(let reason, let isTimeout):
            return .retry(reason, isTimeout: isTimeout, retryAfter: TransferQueue.retryAfter(result.headers))
        case .fatal(let reason)
        where ErrorClassifier.errorCode(body: body, headers: result.headers).code == "ImageNotFoundException":
            found[id] = .missing("DescribeImages: ImageNotFoundException (\(reason))")
        case .credentials(let reason, _):
            found[id] = .failed(
                BatchFailure(
                    .credentials, "credentials from \(credentials?.source ?? "the chain") were rejected: \(reason)"))
        case .repositoryNotFound(let reason):
            found[id] = .failed(BatchFailure(.repositoryNotFound, reason))
        case .fatal(let reason):
            found[id] = .failed(BatchFailure(.unverifiable, reason))
        }
        return .done(then: [])
    }

    /// The one image the call names; its digest is what the reference points at.
    static func parse(_ body: Data, query: ManifestQuery) -> ManifestAnswer {
        guard let details = (try? JSONValue.parse(body))?["imageDetails"]?.arrayValue else {
            return .failed(BatchFailure(.unverifiable, "malformed DescribeImages answer for \(query.reference)"))
        }
        guard let digest = details.first?["imageDigest"]?.stringValue else {
            return .missing("DescribeImages returned no image for \(query.reference)")
        }
        return .present(digest: digest)
    }

    func failed(_ id: Int, _ failure: BatchFailure) {
        found[id] = .failed(failure)
    }

    func result() -> [ManifestQuery: ManifestAnswer] {
        ManifestAnswer.byQuery(queries, found, asked: "the service")
    }
}
