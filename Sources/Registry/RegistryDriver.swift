import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way on the shared transfer queue: one `GET /v2/` to learn the challenge, one token request per
/// repository, then one HEAD per blob or manifest. HEADs of a repository wait (parked) until its token is there.
final class RegistryDriver: TransferDriver {
    static let manifestAccept = [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ].joined(separator: ", ")

    private enum Work {
        case probe
        case token(path: String)
        case blob(batch: Int, digest: Digest, path: String)
        case manifest(query: Int, path: String)
    }

    private let client: RegistryClient
    private var session: RegistrySession { client.session }
    private var work: [Work] = []
    private var batches: [LayerBatch] = []
    private var blobAnswers: [[Digest: LayerAnswer]] = []
    private var blobFailures: [[Digest: BatchFailure]] = []
    private var batchFailures: [BatchFailure?] = []
    private let queries: [ManifestQuery]
    private var manifestResults: [ManifestAnswer?]
    /// Transfers waiting for the probe or their repository's token.
    private var parked: [String: [Int]] = [:]
    private var probing = false
    private var fetching = Set<String>()
    /// Which token a transfer was sent with, so a 401 for an already-replaced token is simply resent.
    private var sentToken: [Int: String] = [:]

    init(client: RegistryClient, manifests: [ManifestQuery]) {
        self.client = client
        self.queries = manifests
        self.manifestResults = Array(repeating: nil, count: manifests.count)
    }

    private var log: HTTPLog { client.configuration.log }

    func start() -> BatchFailure? {
        client.loginOnce()
        return nil
    }

    /// The manifest HEADs, routed like blobs (the probe or a token first when needed).
    func initialTransfers() -> [Int] {
        var start: [Int] = []
        for (index, query) in queries.enumerated() {
            guard let path = RegistryClient.path(query.repository) else {
                manifestResults[index] = .failed(Self.noAlias(query.repository))
                continue
            }
            start += route(add(.manifest(query: index, path: path)), path: path)
        }
        return start
    }

    static func noAlias(_ repository: RepositoryRef) -> BatchFailure {
        BatchFailure(
            .unverifiable,
            "the registry way needs a registry alias for \(repository) (an account id has no registry URL); "
                + "set `registry:` in .verify-layers.yml or --registry-id, or use --via api")
    }

    private func add(_ item: Work) -> Int {
        work.append(item)
        return work.count - 1
    }

    func accept(_ batch: LayerBatch) -> [Int] {
        let index = batches.count
        batches.append(batch)
        blobAnswers.append([:])
        blobFailures.append([:])
        batchFailures.append(nil)
        guard let path = RegistryClient.path(batch.repository) else {
            batchFailures[index] = Self.noAlias(batch.repository)
            return []
        }
        var start: [Int] = []
        for digest in batch.digests {
            start += route(add(.blob(batch: index, digest: digest, path: path)), path: path)
        }
        return start
    }

    func reject(_ batch: LayerBatch, _ failure: BatchFailure) {
        batches.append(batch)
        blobAnswers.append([:])
        blobFailures.append([:])
        batchFailures.append(failure)
    }

    /// Sends a transfer at once when its repository is ready, else parks it and starts what it waits for.
    private func route(_ id: Int, path: String) -> [Int] {
        parked[path, default: []].append(id)
        return advance(path)
    }

    private func advance(_ path: String) -> [Int] {
        switch session.probe {
        case .unknown:
            guard !probing else { return [] }
            probing = true
            return [add(.probe)]
        case .failed(let failure):
            failParked(path, failure)
            return []
        case .open:
            return parked.removeValue(forKey: path) ?? []
        case .bearer:
            if let failure = session.tokenFailures[path] {
                failParked(path, failure)
                return []
            }
            if session.tokens[path] != nil { return parked.removeValue(forKey: path) ?? [] }
            guard !fetching.contains(path) else { return [] }
            fetching.insert(path)
            return [add(.token(path: path))]
        }
    }

    private func failParked(_ path: String, _ failure: BatchFailure) {
        for id in parked.removeValue(forKey: path) ?? [] { failed(id, failure) }
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
        case .manifest(let query, let path):
            return client.request(
                url: client.url("/v2/\(path)/manifests/\(queries[query].reference)"), method: method,
                headers: authorization(id, path) + ["Accept: \(Self.manifestAccept)"], what: what)
        }
    }

    private func authorization(_ id: Int, _ path: String) -> [String] {
        guard let token = session.tokens[path] else { return [] }
        sentToken[id] = token
        return ["Authorization: Bearer \(token)"]
    }

    /// A pull is a manifest download: only `GET …/manifests/…` is paced by the pull quota; HEADs move no content.
    func isRateLimited(_ id: Int) -> Bool {
        if case .manifest(let query, _) = work[id] { return queries[query].readsConfig }
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
        case .manifest(let query, let path):
            return manifestAnswered(id, query: query, path: path, response, what: what)
        }
    }

    /// `GET /v2/`: open, a Bearer challenge, or not a registry; then whatever was parked behind it moves on.
    private func probed(_ response: HTTPResponse) -> TransferStep {
        probing = false
        let challenge = response.headers["www-authenticate"]
        if response.status == 200 {
            session.probe = .open
        } else if response.status == 401, let bearer = challenge.flatMap(BearerChallenge.parse) {
            session.probe = .bearer(bearer)
        } else if response.status == 401 {
            session.probe = .failed(
                BatchFailure(
                    .credentials,
                    "the registry asks for credentials other than a Bearer "
                        + "pull token (\(challenge ?? "no challenge"))"))
        } else {
            session.probe = .failed(
                BatchFailure(
                    .unverifiable,
                    "\(client.endpoint.url) does not look like a registry: "
                        + "GET /v2/ answered HTTP \(response.status)"))
        }
        var start: [Int] = []
        for path in Array(parked.keys).sorted() { start += advance(path) }
        return .done(then: start)
    }

    /// The token server's answer for one repository; its parked HEADs move on (or fail with it).
    private func tokenAnswered(_ path: String, _ response: HTTPResponse) -> TransferStep {
        fetching.remove(path)
        let status = response.status
        if status == 200, let token = Self.token(from: response.body) {
            session.tokens[path] = token
        } else if status == 200 {
            session.tokenFailures[path] = BatchFailure(
                .unverifiable,
                "the token server's answer for \(path) held no token")
        } else if status == 401 || status == 403 {
            let message = "the token server refused a pull token for \(path) (HTTP \(status))"
            session.tokenFailures[path] = BatchFailure(.credentials, message)
        } else {
            session.tokenFailures[path] = BatchFailure(
                .unverifiable,
                "the token server answered HTTP \(status) for \(path)")
        }
        return .done(then: advance(path))
    }

    private func blobAnswered(
        _ id: Int, batch: Int, digest: Digest, path: String, _ response: HTTPResponse,
        what: String
    ) -> TransferStep {
        switch response.status {
        case 200:
            let size = response.headers["content-length"].flatMap { Int64($0) }
            blobAnswers[batch][digest] = .available(size: size, mediaType: nil)
        case 301, 302, 303, 307, 308:
            // A redirect to the blob storage: the registry has it; the redirect is not followed.
            blobAnswers[batch][digest] = .available(size: nil, mediaType: nil)
        case 404:
            blobAnswers[batch][digest] = .unavailable(reason: "the registry answered HTTP 404 (BLOB_UNKNOWN)")
        case 401:
            return unauthorized(id, path: path, headers: response.headers)
        case let status:
            let detail = "HTTP \(status) from the registry for \(what)"
            blobFailures[batch][digest] = BatchFailure(status == 403 ? .credentials : .unverifiable, detail)
        }
        return .done(then: [])
    }

    private func manifestAnswered(
        _ id: Int, query: Int, path: String, _ response: HTTPResponse,
        what: String
    ) -> TransferStep {
        let digest = response.headers["docker-content-digest"]
        switch response.status {
        case 200 where queries[query].readsConfig:
            manifestResults[query] = .present(digest: digest, config: Self.configDigest(in: response.body))
        case 200, 301, 302, 303, 307, 308:
            manifestResults[query] = .present(digest: digest)
        case 404:
            manifestResults[query] = .missing("the registry answered HTTP 404 (MANIFEST_UNKNOWN)")
        case 401:
            return unauthorized(id, path: path, headers: response.headers)
        case let status:
            let detail = "HTTP \(status) from the registry for \(what)"
            manifestResults[query] = .failed(BatchFailure(status == 403 ? .credentials : .unverifiable, detail))
        }
        return .done(then: [])
    }

    /// A 401 on a HEAD: resend when the token was already replaced, refresh it once per repository, else give up.
    private func unauthorized(_ id: Int, path: String, headers: [String: String]) -> TransferStep {
        if let current = session.tokens[path], sentToken[id] != current { return .resend(then: []) }
        if fetching.contains(path) {
            parked[path, default: []].append(id)
            return .done(then: [])
        }
        guard !session.refreshed.contains(path) else {
            return conclude(
                id,
                failure: BatchFailure(.credentials, "the registry refused the pull token for \(path) after a refresh"))
        }
        session.refreshed.insert(path)
        session.tokens[path] = nil
        if let challenge = headers["www-authenticate"].flatMap(BearerChallenge.parse) {
            session.probe = .bearer(challenge)
        }
        guard case .bearer = session.probe else {
            return conclude(
                id,
                failure: BatchFailure(.credentials, "the registry answered 401 without a Bearer challenge for \(path)"))
        }
        parked[path, default: []].append(id)
        return .done(then: advance(path))
    }

    private func conclude(_ id: Int, failure: BatchFailure) -> TransferStep {
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
        case .manifest(let query, _):
            manifestResults[query] = .failed(failure)
        }
    }

    private func describe(_ id: Int) -> (String, String) {
        switch work[id] {
        case .probe: return ("GET", "/v2/ (challenge)")
        case .token(let path): return ("GET", "pull token for \(path)")
        case .blob(_, let digest, let path): return ("HEAD", "/v2/\(path)/blobs/\(digest)")
        case .manifest(let query, let path):
            return (queries[query].readsConfig ? "GET" : "HEAD", "/v2/\(path)/manifests/\(queries[query].reference)")
        }
    }

    /// The `config.digest` of an image manifest; nil for an index or anything unreadable.
    static func configDigest(in body: Data) -> String? {
        guard let digest = (try? JSONValue.parse(body))?["config"]?["digest"]?.stringValue, Digest(digest) != nil else {
            return nil
        }
        return digest
    }

    /// `token`, or OAuth2's `access_token`, from the token server's JSON.
    static func token(from body: Data) -> String? {
        guard let object = try? JSONValue.parse(body) else { return nil }
        for key in ["token", "access_token"] {
            // Only visible ASCII goes into a header: a token with CR/LF or spaces could inject or split headers.
            if let value = object[key]?.stringValue, !value.isEmpty,
                value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
            {
                return value
            }
        }
        return nil
    }

    func answers() -> [BatchAnswer] {
        batches.indices.map { index in
            if let failure = batchFailures[index] { return BatchAnswer(batch: batches[index], failure: failure) }
            var failures = blobFailures[index]
            for digest in batches[index].digests where blobAnswers[index][digest] == nil && failures[digest] == nil {
                failures[digest] = BatchFailure(
                    .unverifiable, "the registry was never asked about \(digest) (no answer)")
            }
            return BatchAnswer(batch: batches[index], answers: blobAnswers[index], digestFailures: failures)
        }
    }

    func manifestAnswers() -> [ManifestQuery: ManifestAnswer] {
        var result: [ManifestQuery: ManifestAnswer] = [:]
        for (index, query) in queries.enumerated() {
            result[query] =
                manifestResults[index]
                ?? .failed(
                    BatchFailure(.unverifiable, "the registry was never asked about \(query.reference) (no answer)"))
        }
        return result
    }
}
