import Foundation
import ImageModel
import Verification

/// Reads a `BatchCheckLayerAvailability` answer strictly: wrong shapes are errors, never passes.
enum ResponseParser {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ body: Data, requested: [Digest]) throws -> [Digest: LayerAnswer] {
        guard let object = try? JSONSerialization.jsonObject(with: body) else {
            throw Malformed(description: "the body is not JSON (\(body.count) bytes)")
        }
        guard let root = object as? [String: Any] else { throw Malformed(description: "expected a JSON object") }
        let wanted = Set(requested)
        var answers: [Digest: LayerAnswer] = [:]
        if let layers = root["layers"] {
            guard let list = layers as? [[String: Any]] else { throw Malformed(description: "`layers` is not a list of objects") }
            for layer in list {
                guard let raw = layer["layerDigest"] as? String else { throw Malformed(description: "a layer entry has no layerDigest") }
                guard let digest = Digest(raw), wanted.contains(digest) else { continue }
                switch layer["layerAvailability"] as? String {
                case "AVAILABLE":
                    // A digest listed twice with different verdicts never ends up available.
                    if let earlier = answers[digest], !isAvailable(earlier) { continue }
                    let size = (layer["layerSize"] as? NSNumber)?.int64Value
                    answers[digest] = .available(size: size, mediaType: layer["mediaType"] as? String)
                case "UNAVAILABLE":
                    answers[digest] = .unavailable(reason: "the service reports it UNAVAILABLE")
                default:
                    throw Malformed(description: "unexpected layerAvailability for \(digest)")
                }
            }
        }
        if let failures = root["failures"] {
            guard let list = failures as? [[String: Any]] else { throw Malformed(description: "`failures` is not a list of objects") }
            for failure in list {
                guard let raw = failure["layerDigest"] as? String, let digest = Digest(raw), wanted.contains(digest) else { continue }
                let reason = (failure["failureReason"] as? String).map { String($0.prefix(300)) } ?? ""
                switch failure["failureCode"] as? String {
                case "MissingLayerDigest":
                    answers[digest] = .unavailable(reason: reason.isEmpty ? "MissingLayerDigest" : "MissingLayerDigest: \(reason)")
                case "InvalidLayerDigest":
                    answers[digest] = .invalid(reason: reason.isEmpty ? "InvalidLayerDigest" : "InvalidLayerDigest: \(reason)")
                default:
                    // Unknown failure codes must not pass; leave the digest unanswered so it becomes a verification error.
                    answers.removeValue(forKey: digest)
                }
            }
        }
        return answers
    }

    private static func isAvailable(_ answer: LayerAnswer) -> Bool {
        if case .available = answer { return true }
        return false
    }
}
