import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way's blob HEADs: each batch's digests routed to a HEAD, each answer a verdict or a failure, and every
/// batch answered (a digest never asked is a failure, never a pass).
extension RegistryDriver {
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

    func blobAnswered(
        _ id: Int, batch: Int, digest: Digest, path: String, _ response: HTTPResponse,
        what: String
    ) -> TransferStep {
        switch response.status {
        case 200:
            let size = response.headers["content-length"].flatMap { Int64($0) }
            blobAnswers[batch][digest] = .available(size: size, mediaType: nil)
            sawPresent(path)
        case 301, 302, 303, 307, 308:
            // A redirect to the blob storage: the registry has it; the redirect is not followed.
            blobAnswers[batch][digest] = .available(size: nil, mediaType: nil)
            sawPresent(path)
        case 404:
            blobAnswers[batch][digest] = .unavailable(reason: "the registry answered HTTP 404 (BLOB_UNKNOWN)")
            return .done(then: askWhetherRepositoryExists(path))
        case 401:
            return unauthorized(id, path: path, headers: response.headers)
        case let status:
            let detail = "HTTP \(status) from the registry for \(what)"
            blobFailures[batch][digest] = BatchFailure(status == 403 ? .credentials : .unverifiable, detail)
        }
        return .done(then: [])
    }

    func answers() -> [BatchAnswer] {
        batches.indices.map { index in
            if let failure = batchFailures[index] ?? missingRepository(batches[index].repository) {
                return BatchAnswer(batch: batches[index], failure: failure)
            }
            var failures = blobFailures[index]
            for digest in batches[index].digests where blobAnswers[index][digest] == nil && failures[digest] == nil {
                failures[digest] = BatchFailure(
                    .unverifiable, "the registry was never asked about \(digest) (no answer)")
            }
            return BatchAnswer(batch: batches[index], answers: blobAnswers[index], digestFailures: failures)
        }
    }
}
