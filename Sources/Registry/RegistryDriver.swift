import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way on the shared transfer queue: one `GET /v2/` to learn the challenge, one token request per
/// repository, then one HEAD per blob or manifest. HEADs of a repository wait (parked) until its token is there.
/// This file holds its state and the transfer plumbing; `RegistryDriverChallenge` (probe, tokens, 401s),
/// `RegistryDriverBlobs` and `RegistryDriverManifests` (their HEADs and answers) extend it.
final class RegistryDriver: TransferDriver {
    enum Work {
        case probe
        case token(path: String)
        case blob(batch: Int, digest: Digest, path: String)
        /// A manifest lookup: a HEAD, or a GET when the config is read or a tag's HEAD named no digest.
        case manifest(query: Int, path: String, get: Bool)
        /// `GET …/tags/list?n=1` after a 404, to tell a missing repository from a missing blob or manifest.
        case repository(path: String)
    }

    let client: RegistryClient
    var session: RegistrySession { client.session }
    var work: [Work] = []
    var batches: [LayerBatch] = []
    var blobAnswers: [[Digest: LayerAnswer]] = []
    var blobFailures: [[Digest: BatchFailure]] = []
    var batchFailures: [BatchFailure?] = []
    let queries: [ManifestQuery]
    var manifestResults: [ManifestAnswer?]
    /// Transfers waiting for the probe or their repository's token.
    var parked: [String: [Int]] = [:]
    var probing = false
    var fetching = Set<String>()
    /// Which token a transfer was sent with, so a 401 for an already-replaced token is simply resent.
    var sentToken: [Int: String] = [:]

    init(client: RegistryClient, manifests: [ManifestQuery]) {
        self.client = client
        self.queries = manifests
        self.manifestResults = Array(repeating: nil, count: manifests.count)
    }

    var log: HTTPLog { client.configuration.log }

    func start() -> BatchFailure? {
        client.loginOnce()
        return nil
    }

    static func noAlias(_ repository: RepositoryRef) -> BatchFailure {
        BatchFailure(
            .configuration,
            "the registry way needs a registry alias for \(repository) (an account id has no registry URL); "
                + "set `registry:` in .verify-layers.yml or --registry-id, or use --via api")
    }

    func add(_ item: Work) -> Int {
        work.append(item)
        return work.count - 1
    }

    func tick(now: Date, hasReadyWork: Bool) {}

    func makeTransfer(_ id: Int) throws -> HTTPRequest {
        let (method, what) = describe(id)
        switch work[id] {
        case .probe:
            return client.request(url: client.url("/v2/"), method: method, headers: [], what: what)
        case .token(let path):
            guard case .bearer(let challenge) = session.probe, let url = challenge.tokenURL(repository: path) else {
                throw TransferSetupError(message: "no usable token realm")
            }
            try EndpointResolver.validate(url, source: "the registry's token realm")
            session.tokenRequests += 1
            let basic = session.basic.map { ["Authorization: Basic \($0)"] } ?? []
            return client.request(url: url, method: method, headers: basic, what: what)
        case .blob(_, let digest, let path):
            return client.request(
                url: client.url("/v2/\(path)/blobs/\(digest)"), method: method,
                headers: authorization(id, path), what: what)
        case .manifest(let query, let path, _):
            return client.request(
                url: client.url("/v2/\(path)/manifests/\(queries[query].reference)"), method: method,
                headers: authorization(id, path) + ["Accept: \(Self.manifestAccept)"], what: what)
        case .repository(let path):
            return client.request(
                url: client.url("/v2/\(path)/tags/list?n=1"), method: method, headers: authorization(id, path),
                what: what)
        }
    }

    /// A pull is a manifest download: only `GET …/manifests/…` is paced by the pull quota; HEADs move no content.
    func isRateLimited(_ id: Int) -> Bool {
        if case .manifest(let query, _, let get) = work[id] { return get || queries[query].readsConfig }
        return false
    }

    func finished(_ id: Int, result: TransferResult, attempt: Int, elapsedMs: Int) -> TransferStep {
        let (method, what) = describe(id)
        let response: HTTPResponse
        switch result {
        case .failure(let failure):
            log.exchange(
                method: method, url: client.endpoint.url, what: "\(what) attempt=\(attempt)",
                outcome: failure.reason, elapsedMs: elapsedMs)
            if failure.retryable { return .retry(failure.reason, isTimeout: failure.isTimeout, retryAfter: nil) }
            return conclude(id, failure: BatchFailure(.unverifiable, failure.reason))
        case .success(let answer):
            response = answer
        }
        let status = response.status
        log.exchange(
            method: method, url: client.endpoint.url, what: "\(what) attempt=\(attempt)",
            outcome: "HTTP \(status)", elapsedMs: elapsedMs)
        if status == 429 || (500...599).contains(status) && status != 501 {
            return .retry(
                "HTTP \(status) from the registry for \(what)", isTimeout: false,
                retryAfter: TransferQueue.retryAfter(response.headers))
        }
        switch work[id] {
        case .probe:
            return probed(response)
        case .token(let path):
            return tokenAnswered(path, response)
        case .blob(let batch, let digest, let path):
            return blobAnswered(id, batch: batch, digest: digest, path: path, response, what: what)
        case .manifest(let query, let path, let get):
            return manifestAnswered(id, query: query, path: path, get: get, response, what: what)
        case .repository(let path):
            return repositoryAnswered(id, path: path, response)
        }
    }

    func conclude(_ id: Int, failure: BatchFailure) -> TransferStep {
        failed(id, failure)
        return .done(then: [])
    }

    func failed(_ id: Int, _ failure: BatchFailure) {
        switch work[id] {
        case .probe:
            probing = false
            session.probe = .failed(failure)
            for path in Array(parked.keys) { failParked(path, failure) }
        case .token(let path):
            fetching.remove(path)
            session.tokenFailures[path] = failure
            failParked(path, failure)
        case .blob(let batch, let digest, _):
            blobFailures[batch][digest] = failure
        case .manifest(let query, _, _):
            manifestResults[query] = .failed(failure)
        case .repository(let path):
            // The question could not be asked: the 404s that raised it stand.
            if session.repositories[path] == .asking { session.repositories[path] = .unknown }
        }
    }

    private func describe(_ id: Int) -> (String, String) {
        switch work[id] {
        case .probe: return ("GET", "/v2/ (challenge)")
        case .token(let path): return ("GET", "pull token for \(path)")
        case .blob(_, let digest, let path): return ("HEAD", "/v2/\(path)/blobs/\(digest)")
        case .manifest(let query, let path, let get):
            return (
                get || queries[query].readsConfig ? "GET" : "HEAD", "/v2/\(path)/manifests/\(queries[query].reference)"
            )
        case .repository(let path): return ("GET", "/v2/\(path)/tags/list (does the repository exist?)")
        }
    }
}
