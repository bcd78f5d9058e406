import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way's manifest lookups: one HEAD (or GET, when the config is read) per query, and every query
/// answered.
extension RegistryDriver {
    static let manifestAccept = [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ].joined(separator: ", ")

    /// The manifest HEADs, routed like blobs (the probe or a token first when needed).
    func initialTransfers() -> [Int] {
        var start: [Int] = []
        for (index, query) in queries.enumerated() {
            guard let path = RegistryClient.path(query.repository) else {
                manifestResults[index] = .failed(Self.noAlias(query.repository))
                continue
            }
            start += route(add(.manifest(query: index, path: path, get: false)), path: path)
        }
        return start
    }

    func manifestAnswered(
        _ id: Int, query: Int, path: String, get: Bool, _ response: HTTPResponse,
        what: String
    ) -> TransferStep {
        let fetched = get || queries[query].readsConfig
        // Without `Docker-Content-Digest`, a downloaded manifest's digest is the digest of its bytes.
        let digest =
            response.headers["docker-content-digest"]
            ?? (fetched && response.status == 200
                ? ContentDigest.compute(response.body, algorithm: "sha256")?.string : nil)
        switch response.status {
        case 200 where fetched:
            sawPresent(path)
            let config = queries[query].readsConfig ? Self.configDigest(in: response.body) : nil
            manifestResults[query] = .present(digest: digest, config: config)
        case 200 where digest == nil && !queries[query].isDigest:
            // A tag's HEAD that names no digest says the tag exists, not where it points: download the manifest to know.
            return .done(then: route(add(.manifest(query: query, path: path, get: true)), path: path))
        case 200, 301, 302, 303, 307, 308:
            sawPresent(path)
            manifestResults[query] = .present(digest: digest)
        case 404:
            manifestResults[query] = .missing("the registry answered HTTP 404 (MANIFEST_UNKNOWN)")
            return .done(then: askWhetherRepositoryExists(path))
        case 401:
            return unauthorized(id, path: path, headers: response.headers)
        case let status:
            let detail = "HTTP \(status) from the registry for \(what)"
            manifestResults[query] = .failed(BatchFailure(status == 403 ? .credentials : .unverifiable, detail))
        }
        return .done(then: [])
    }

    /// The `config.digest` of an image manifest; nil for an index or anything unreadable.
    static func configDigest(in body: Data) -> String? {
        guard let digest = (try? JSONValue.parse(body))?["config"]?["digest"]?.stringValue, Digest(digest) != nil else {
            return nil
        }
        return digest
    }

    func manifestAnswers() -> [ManifestQuery: ManifestAnswer] {
        let results = zip(queries, manifestResults).map { query, result in
            missingRepository(query.repository).map { ManifestAnswer.failed($0) } ?? result
        }
        return ManifestAnswer.byQuery(queries, results, asked: "the registry")
    }
}
