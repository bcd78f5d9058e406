import Checking
import ImageModel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The registry way's challenge and pull tokens: transfers parked until `GET /v2/` and their repository's token are
/// there, the token server's answers, and a 401 answered by a resend, one refresh or a failure.
extension RegistryDriver {
    /// Sends a transfer at once when its repository is ready, else parks it and starts what it waits for.
    func route(_ id: Int, path: String) -> [Int] {
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

    func failParked(_ path: String, _ failure: BatchFailure) {
        for id in parked.removeValue(forKey: path) ?? [] { failed(id, failure) }
    }

    func authorization(_ id: Int, _ path: String) -> [String] {
        guard let token = session.tokens[path] else { return [] }
        sentToken[id] = token
        return ["Authorization: Bearer \(token)"]
    }

    /// `GET /v2/`: open, a Bearer challenge, or not a registry; then whatever was parked behind it moves on.
    func probed(_ response: HTTPResponse) -> TransferStep {
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
    func tokenAnswered(_ path: String, _ response: HTTPResponse) -> TransferStep {
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

    /// A 401 on a HEAD: resend when the token was already replaced, refresh it once per repository, else give up.
    func unauthorized(_ id: Int, path: String, headers: [String: String]) -> TransferStep {
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
}
