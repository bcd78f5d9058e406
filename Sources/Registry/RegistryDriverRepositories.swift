import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way's answer to "does this repository exist?". A `HEAD` that answers 404 carries no error body, so a
/// missing repository would show as every one of its blobs unavailable and every manifest unpublished. After the first
/// 404 in a repository where nothing answered 200, one `GET …/tags/list?n=1` asks; `404 NAME_UNKNOWN` makes the
/// repository's 404s one `repository-not-found`, as on the API way. Anything else leaves the 404s as they are.
extension RegistryDriver {
    /// Something in the repository at `path` answered 200: it exists, whatever its tag list says.
    func sawPresent(_ path: String) {
        session.repositories[path] = .exists
    }

    /// The transfer that asks whether the repository at `path` exists, unless it was asked or is known to exist.
    func askWhetherRepositoryExists(_ path: String) -> [Int] {
        guard session.repositories[path] == nil else { return [] }
        session.repositories[path] = .asking
        return route(add(.repository(path: path)), path: path)
    }

    func repositoryAnswered(_ id: Int, path: String, _ response: HTTPResponse) -> TransferStep {
        if response.status == 401 { return unauthorized(id, path: path, headers: response.headers) }
        guard session.repositories[path] == .asking else { return .done(then: []) }
        switch (response.status, Self.registryError(in: response.body)) {
        case (200, _):
            session.repositories[path] = .exists
        case (404, let error?) where error.code == "NAME_UNKNOWN":
            let said = error.message.map { ": \($0)" } ?? ""
            session.repositories[path] = .missing(
                "the registry answered HTTP 404 NAME_UNKNOWN for /v2/\(path)/tags/list\(said)")
        default:
            session.repositories[path] = .unknown
        }
        return .done(then: [])
    }

    /// Why the repository of `repository` cannot answer: its failure when the registry said it does not exist.
    func missingRepository(_ repository: RepositoryRef) -> BatchFailure? {
        guard let path = RegistryClient.path(repository),
            case .missing(let message) = session.repositories[path]
        else { return nil }
        return BatchFailure(.repositoryNotFound, message)
    }

    /// The first entry of a registry error body (`{"errors":[{"code":…,"message":…}]}`, distribution spec).
    static func registryError(in body: Data) -> (code: String, message: String?)? {
        guard let first = (try? JSONValue.parse(body))?["errors"]?.arrayValue?.first,
            let code = first["code"]?.stringValue
        else {
            return nil
        }
        let message = first["message"]?.stringValue.map { String($0.prefix(300)) }
        return (code, message)
    }
}
